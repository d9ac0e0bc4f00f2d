"""The generator's inputs as one structure, built by one function for dataset batches and one for a photo at
render time, so their order lives here only."""
from __future__ import annotations

from typing import Mapping, NamedTuple

import numpy as np
import torch

from renovate_net.request import RenovationRequest, condition_arrays


class GeneratorInputs(NamedTuple):
    """In the order every generator's `forward` takes them (`generator(*inputs)`)."""
    before: torch.Tensor                # [B, 3, H, W] in [0, 1]
    labels: torch.Tensor                # [B, H, W] int64 facade label ids
    active: torch.Tensor                # [B, T] multi-hot of the requested types
    material: torch.Tensor              # [B, T] int64 material rows
    colour: torch.Tensor                # [B, T, 3] requested colours in [0, 1]
    placement: torch.Tensor | None = None  # [B, H, W] int64: 1 + type index where an added object stands
    sketch: torch.Tensor | None = None     # [B, 3, H, W]: the photo with the added objects drawn

    def to(self, device: torch.device) -> "GeneratorInputs":
        return GeneratorInputs(*(None if t is None else t.to(device) for t in self))


def batch_inputs(batch: Mapping[str, torch.Tensor]) -> GeneratorInputs:
    """A training or validation batch's inputs. The target `after` is the sketch: a generator reads it only
    inside the added objects' footprints, where render gives it the simulator's drawing."""
    return GeneratorInputs(batch["before"], batch["labels"], batch["active"], batch["material"], batch["colour"],
                           batch.get("placement"), batch.get("after"))


def _image_tensor(image: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(image).permute(2, 0, 1).float().div(255)[None]


def photo_inputs(image: np.ndarray, labels: np.ndarray, request: RenovationRequest,
                 placement: np.ndarray | None = None, drawn: np.ndarray | None = None) -> GeneratorInputs:
    """A batch of one photo at its working size: HxWx3 uint8 image (and drawn), HxW label ids (and placement)."""
    arrays = condition_arrays(request)
    return GeneratorInputs(
        _image_tensor(image), torch.from_numpy(labels.astype(np.int64))[None],
        *(torch.from_numpy(arrays[key])[None] for key in ("active", "material", "colour")),
        None if placement is None else torch.from_numpy(placement.astype(np.int64))[None],
        None if drawn is None else _image_tensor(drawn))
