"""Facade segmentation of full-resolution photos, and the `segment` command's work.

`Segmenter` runs the network at a fixed working resolution (the photo's long side resized to `long_side`,
the short side kept in proportion and rounded to a multiple of 32), upsamples the logits bilinearly to the
photo's own size and takes the arg-max, so a label map always has its photo's width and height. `flip=True`
also runs the mirrored photo and averages the logits: +0.004 held-out mIoU (version 4: 0.597 -> 0.601) for
1.4x the prediction time (0.165 -> 0.238 s per photo on 2 CPU cores). `segment` leaves it off to keep its
margin under the 0.5 s per photo budget (tools/segmenter_bench.py).
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable, Sequence

import cv2
import numpy as np
import torch

from renovate_net.errors import UserError
from renovate_net.imaging import check_writable, load_image, save_image
from renovate_net.labels import PALETTE
from renovate_net.models.segmenter import STRIDE
from renovate_net.models.store import load_model, read_spec
from renovate_net.resize import BAND_ROWS, bilinear_bands

DEFAULT_URI = "models:/facade-segmenter@champion"
DEFAULT_LONG_SIDE = 512
BATCH = 8          # photos per forward pass: bounds memory, keeps the CPU busy


def working_shape(width: int, height: int, long_side: int) -> tuple[int, int]:
    """(width, height) the network sees: long side = `long_side`, aspect kept, both multiples of 32."""
    scale = long_side / max(width, height)
    return tuple(max(STRIDE, int(round(side * scale / STRIDE)) * STRIDE) for side in (width, height))


def upsampled_argmax(logits: torch.Tensor, height: int, width: int, band: int = BAND_ROWS) -> np.ndarray:
    """Bilinear upsampling of [C,h,w] logits to height x width (align_corners=False), then arg-max -> uint8,
    in bands of rows so C full-size float maps are never held at once."""
    out = np.empty((height, width), np.uint8)
    for rows, strip in bilinear_bands(logits, height, width, band):
        out[rows] = strip.argmax(0).to(torch.uint8).numpy()
    return out


def overlay(image: np.ndarray, labels: np.ndarray, opacity: float = 0.5) -> np.ndarray:
    """The photo with each label's PALETTE colour blended over it (HxWx3 uint8)."""
    colours = np.asarray(PALETTE, np.float32)[labels]
    return np.clip(image * (1 - opacity) + colours * opacity + 0.5, 0, 255).astype(np.uint8)


class Segmenter:
    """A loaded segmentation network and the resolution it works at."""

    def __init__(self, model: torch.nn.Module, long_side: int = DEFAULT_LONG_SIDE, device: str = "cpu",
                 flip: bool = False):
        self.device = torch.device(device)
        # channels_last is ~2x faster for this network on CPU (measured in tools/segmenter_bench.py).
        self.model = model.to(self.device, memory_format=torch.channels_last).eval()
        self.long_side = long_side
        self.flip = flip

    @classmethod
    def from_uri(cls, uri: str = DEFAULT_URI, device: str = "cpu", flip: bool = False) -> "Segmenter":
        """Load a registered model (`models:/NAME@ALIAS`, `models:/NAME/VERSION`, `runs:/...`) or a model folder."""
        from renovate_net.tracking import resolve_model

        folder = resolve_model(uri)
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        long_side = int(read_spec(folder).get("working_size", DEFAULT_LONG_SIDE))
        return cls(load_model(folder, "segmenter"), long_side, device, flip)

    @torch.inference_mode()
    def logits(self, images: Sequence[np.ndarray]) -> list[torch.Tensor]:
        """[C,h,w] float logits at the working resolution for each HxWx3 uint8 photo (any mix of sizes)."""
        shapes = [working_shape(im.shape[1], im.shape[0], self.long_side) for im in images]
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

    def predict(self, image: np.ndarray) -> np.ndarray:
        """HxW uint8 label map (contract ids) of one HxWx3 uint8 RGB photo, at the photo's size."""
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise ValueError(f"predict needs an HxWx3 uint8 RGB array, got {image.dtype} {image.shape}")
        return self.predict_batch([image])[0]


def _outputs(inputs: Sequence[Path], out_dir: Path, with_overlay: bool) -> list[list[Path]]:
    """Output paths per input; refuses collisions (two inputs with one stem, an output over an input)."""
    outputs = [[out_dir / f"{p.stem}.png"] + ([out_dir / f"{p.stem}_overlay.png"] if with_overlay else [])
               for p in inputs]
    seen: dict[Path, Path] = {}
    sources = {p.resolve() for p in inputs}
    for path, paths in zip(inputs, outputs):
        for out in paths:
            key = out.resolve()
            if key in seen:
                raise UserError(f"{path} and {seen[key]} would both write {out}; segment them into different "
                                "folders with -o")
            if key in sources:
                raise UserError(f"{out} would overwrite the input photo; choose another folder with -o")
            seen[key] = path
    return outputs


def segment_files(inputs: Iterable[str | Path], out_dir: str | Path | None = None, with_overlay: bool = False,
                  model_uri: str = DEFAULT_URI, force: bool = False, device: str = "cpu") -> list[Path]:
    """Write `<stem>.png` label maps (and `<stem>_overlay.png`) for every photo into `out_dir` (default: the
    current folder). Every input and output is checked before the model is loaded; returns the written paths."""
    inputs = [Path(p) for p in inputs]
    if not inputs:
        raise UserError("no photos given; pass one or more image files")
    out_dir = Path.cwd() if out_dir is None else Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise UserError(f"{out_dir}: is a file; -o takes a folder")
    outputs = _outputs(inputs, out_dir, with_overlay)
    for path in inputs:
        load_image(path)  # every bad photo fails here, before anything is written
    out_dir.mkdir(parents=True, exist_ok=True)
    for paths in outputs:
        for out in paths:
            check_writable(out, force)
    segmenter = Segmenter.from_uri(model_uri, device)
    written: list[Path] = []
    for start in range(0, len(inputs), BATCH):
        images = [load_image(p) for p in inputs[start:start + BATCH]]
        for image, labels, paths in zip(images, segmenter.predict_batch(images), outputs[start:start + BATCH]):
            written.append(save_image(labels, paths[0], force))
            if with_overlay:
                written.append(save_image(overlay(image, labels), paths[1], force))
    return written
