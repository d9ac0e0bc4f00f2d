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


def test_soup_is_measured_and_published_with_its_card(tmp_path, rng, monkeypatch):
    from segmenter_soup import main
    from test_segmenter_training import make_labelme

    from renovate_net.config import load_config
    from renovate_net.labels import NUM_LABELS
    from renovate_net.models.store import CARD, load_model, read_spec, save_model
    from training_fixtures import registered_here

    config = load_config("configs/segmenter.yaml", [
        "segmenter.working_size=96", f"segmenter.data_dir={make_labelme(tmp_path / 'lmf', rng)}",
        "segmenter.holdout=2"])
    (tmp_path / "soup.yaml").write_text(config.to_yaml())
    kwargs = {"num_classes": NUM_LABELS, "pyramid_channels": 32, "segmentation_channels": 32}
    torch.manual_seed(0)
    ingredients = [save_model(tmp_path / f"ingredient{i}", FpnLite0(**kwargs), "segmenter", "fpn_lite0", kwargs,
                              extra={"working_size": 96}, half=True) for i in range(2)]
    monkeypatch.setattr(sys, "argv", ["segmenter_soup.py", *map(str, ingredients), "--config",
                                      str(tmp_path / "soup.yaml"), "--register", "soup", "--alias", "champion"])
    main()

    folder = registered_here("models:/soup@champion")
    assert "weight average" in (folder / CARD).read_text() and "mIoU" in (folder / CARD).read_text()
    assert 0 <= read_spec(folder)["holdout_metrics"]["miou"] <= 1
    first, second = (load_model(f).state_dict() for f in ingredients)
    key = next(k for k, v in first.items() if v.is_floating_point() and not torch.equal(v, second[k]))
    expected = ((first[key] + second[key]) / 2).half().float()
    assert torch.equal(load_model(folder).state_dict()[key], expected)
