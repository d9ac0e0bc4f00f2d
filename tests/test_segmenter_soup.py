import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
from segmenter_soup import average_states  # noqa: E402

from renovate_net.errors import UserError  # noqa: E402
from renovate_net.models.segmenter import FpnLite0  # noqa: E402


def test_average_is_the_mean_of_floats_in_the_first_dtype_and_keeps_integer_buffers():
    a = {"w": torch.tensor([1.0, 2.0], dtype=torch.float16), "n": torch.tensor(5)}
    b = {"w": torch.tensor([3.0, 6.0], dtype=torch.float16), "n": torch.tensor(9)}
    c = {"w": torch.tensor([2.0, 1.0], dtype=torch.float16), "n": torch.tensor(1)}
    soup = average_states([a, b, c])
    assert soup["w"].dtype == torch.float16
    assert torch.equal(soup["w"], torch.tensor([2.0, 3.0], dtype=torch.float16))
    assert soup["n"].item() == 5


def test_average_of_segmenters_loads_and_lies_between_them():
    torch.manual_seed(0)
    first, second = FpnLite0().state_dict(), FpnLite0().state_dict()
    soup = average_states([first, second])
    FpnLite0().load_state_dict(soup)  # same keys and shapes: a network in its own right
    key = next(k for k, v in first.items() if v.is_floating_point() and not torch.equal(v, second[k]))
    assert torch.allclose(soup[key], (first[key] + second[key]) / 2)


def test_average_refuses_networks_of_different_shapes():
    with pytest.raises(UserError, match="different architectures"):
        average_states([FpnLite0().state_dict(), FpnLite0(pyramid_channels=64).state_dict()])
