"""The facade segmenter's runtime: full-resolution label maps from a network that works at a fixed size.

`Segmenter` runs the network at its contract's working size (the photo's long side resized to it, the short
side kept in proportion and rounded to a multiple of the network's stride), upsamples the logits bilinearly to
the photo's own size and takes the arg-max, so a label map always has its photo's width and height.
`flip=True` also runs the mirrored photo and averages the logits: a little more accurate for 1.4x the time,
so `segment` leaves it off (figures in docs/results.md).
"""
from __future__ import annotations

from typing import Sequence

import cv2
import numpy as np
import torch

from renovate_net.device import pick_device
from renovate_net.models.spec import DEFAULT_WORKING_SIZE, SEGMENTER_MULTIPLE, segmenter_contract
from renovate_net.models.store import load_model, read_spec
from renovate_net.resize import BAND_ROWS, bilinear_bands, working_size

DEFAULT_URI = "models:/facade-segmenter@champion"
BATCH = 8          # photos per forward pass: bounds memory, keeps the CPU busy


def upsampled_argmax(logits: torch.Tensor, height: int, width: int, band: int = BAND_ROWS) -> np.ndarray:
    """Bilinear upsampling of [C,h,w] logits to height x width (align_corners=False), then arg-max -> uint8,
    in bands of rows so C full-size float maps are never held at once."""
    out = np.empty((height, width), np.uint8)
    for rows, strip in bilinear_bands(logits, height, width, band):
        out[rows] = strip.argmax(0).to(torch.uint8).numpy()
    return out


class Segmenter:
    """A loaded segmentation network and the resolution it works at."""

    def __init__(self, model: torch.nn.Module, long_side: int = DEFAULT_WORKING_SIZE, device: str = "cpu",
                 flip: bool = False, multiple: int = SEGMENTER_MULTIPLE):
        self.device = torch.device(device)
        # channels_last is about twice as fast for this network on CPU (tools/segmenter_bench.py).
        self.model = model.to(self.device, memory_format=torch.channels_last).eval()
        self.long_side = long_side
        self.multiple = multiple
        self.flip = flip

    @classmethod
    def from_uri(cls, uri: str = DEFAULT_URI, device: str = "cpu", flip: bool = False) -> "Segmenter":
        """Load a registered model (`models:/NAME@ALIAS`, `models:/NAME/VERSION`, `runs:/...`) or a model folder."""
        from renovate_net.tracking import resolve_model

        folder = resolve_model(uri)
        contract = segmenter_contract(read_spec(folder))
        return cls(load_model(folder, "segmenter"), contract.working_size, str(pick_device(device)), flip,
                   contract.input_multiple)

    @torch.inference_mode()
    def logits(self, images: Sequence[np.ndarray]) -> list[torch.Tensor]:
        """[C,h,w] float logits at the working resolution for each HxWx3 uint8 photo (any mix of sizes)."""
        shapes = [working_size(im.shape[1], im.shape[0], self.long_side, self.multiple) for im in images]
        out: list[torch.Tensor | None] = [None] * len(images)
        for shape in dict.fromkeys(shapes):  # photos of one working shape share a forward pass
            indices = [i for i, s in enumerate(shapes) if s == shape]
            for start in range(0, len(indices), BATCH):
                chunk = indices[start:start + BATCH]
                pixels = np.stack([cv2.resize(images[i], shape, interpolation=cv2.INTER_AREA) for i in chunk])
                batch = torch.from_numpy(pixels).to(self.device).permute(0, 3, 1, 2).float().div_(255)
                batch = batch.contiguous(memory_format=torch.channels_last)
                result = self.model(batch).float()
                if self.flip:
                    result = (result + self.model(batch.flip(-1)).float().flip(-1)) / 2
                result = result.cpu()
                for i, logits in zip(chunk, result):
                    out[i] = logits
        return out

    def predict_batch(self, images: Sequence[np.ndarray]) -> list[np.ndarray]:
        """HxW uint8 label maps (contract ids), each at its photo's size."""
        return [upsampled_argmax(logits, im.shape[0], im.shape[1])
                for im, logits in zip(images, self.logits(images))]

    def predict_with_probabilities(self, image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(HxW uint8 label map at the photo's size, [C, h, w] float32 class probabilities at the working size):
        the labels `predict` gives, and how sure the network is of each class (render trusts sure pixels)."""
        logits = self.logits([image])[0]
        labels = upsampled_argmax(logits, image.shape[0], image.shape[1])
        return labels, torch.softmax(logits, dim=0).numpy()

    def predict(self, image: np.ndarray) -> np.ndarray:
        """HxW uint8 label map (contract ids) of one HxWx3 uint8 RGB photo, at the photo's size."""
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise ValueError(f"predict needs an HxWx3 uint8 RGB array, got {image.dtype} {image.shape}")
        return self.predict_batch([image])[0]
