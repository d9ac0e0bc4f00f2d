"""Training samples for the facade segmenter: photo + target label map, from several sources, augmented
with albumentations.

Targets use the contract ids plus two training-only ids:
- WALL_OR_ROOF: a pixel known to be wall or roof, e.g. LabelMeFacade's `building` where a roof can show (just
  under the sky). The loss treats it as the set {wall, roof} (partial-label cross-entropy), so photos without
  roof labels do not teach roof = wall; the rest of `building` is trained as wall.
- IGNORE: no supervision (padding, unconfident pseudo-labels).
Sources: LabelMeFacade photos, procedural houses (`synthetic.py`, the only exact roof labels) and photo
folders with pseudo-label PNGs (e.g. the houses photos, labelled by a first model and checked by eye).
"""
from __future__ import annotations

import random
from pathlib import Path
from typing import Sequence

import albumentations as A
import cv2
import numpy as np
import torch
from PIL import Image
from torch.utils.data import ConcatDataset, Dataset

from renovate_net.data.labelmefacade import LabelMeFacade, read_labels
from renovate_net.data.roofs import skyline_band
from renovate_net.simulator.synthetic import synthetic_house
from renovate_net.errors import UserError
from renovate_net.labels import LABEL_ID

WALL_OR_ROOF = 8
IGNORE = 255

Sample = tuple[np.ndarray, np.ndarray]  # (HxWx3 uint8 RGB, HxW uint8 target)


def train_transform(long_side: int, crop: int, scale: tuple[float, float]) -> A.Compose:
    """Photo resized so its long side is `long_side` x U(scale) (the inference scale, jittered), a random
    crop x crop window (padding is IGNORE), flip, a small rotation, and photometric jitter."""
    return A.Compose([
        A.LongestMaxSize(max_size=long_side, interpolation=cv2.INTER_AREA),
        A.RandomScale(scale_limit=(scale[0] - 1, scale[1] - 1), interpolation=cv2.INTER_LINEAR, p=1.0),
        A.Affine(rotate=(-6, 6), shear=(-4, 4), border_mode=cv2.BORDER_CONSTANT, fill=0, fill_mask=IGNORE, p=0.4),
        A.PadIfNeeded(min_height=crop, min_width=crop, border_mode=cv2.BORDER_CONSTANT, fill=0, fill_mask=IGNORE),
        A.RandomCrop(height=crop, width=crop),
        A.HorizontalFlip(p=0.5),
        A.ColorJitter(brightness=0.3, contrast=0.3, saturation=0.3, hue=0.03, p=0.8),
        A.OneOf([A.GaussianBlur(blur_limit=(3, 5)), A.GaussNoise(std_range=(0.02, 0.06)),
                 A.ImageCompression(quality_range=(40, 90))], p=0.4),
        A.ToGray(p=0.05),
    ])


class LabelMeSource(Dataset):
    """LabelMeFacade photos; `building` is WALL, except in the skyline band (`roof_depth` x the photo's height
    below the sky, before any window: where a roof can show) where it is WALL_OR_ROOF."""

    def __init__(self, dataset: LabelMeFacade, names: Sequence[str], roof_depth: float = 0.2):
        self.dataset, self.names, self.roof_depth = dataset, list(names), roof_depth

    def __len__(self) -> int:
        return len(self.names)

    def __getitem__(self, index: int) -> Sample:
        image_path, label_path = self.dataset.paths(self.names[index])
        with Image.open(image_path) as image:
            rgb = np.asarray(image.convert("RGB"))
        target = read_labels(label_path)
        depth = int(self.roof_depth * target.shape[0])
        target[skyline_band(target == LABEL_ID["wall"], target == LABEL_ID["sky"], depth)] = WALL_OR_ROOF
        return rgb, target


class SyntheticSource(Dataset):
    """A fixed pool of procedural houses (generated once, so every epoch sees the same scenes)."""

    def __init__(self, count: int, size: tuple[int, int], seed: int):
        rng = np.random.default_rng(seed)
        self.samples = [synthetic_house(rng, size) for _ in range(count)]

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int) -> Sample:
        return self.samples[index]


class PseudoLabelSource(Dataset):
    """Photos in `image_dir` with single-channel label PNGs of the same stem in `label_dir` (ids, 255 = ignore)."""

    def __init__(self, image_dir: str | Path, label_dir: str | Path):
        label_paths = sorted(Path(label_dir).glob("*.png"))
        if not label_paths:
            raise UserError(f"{label_dir}: no pseudo-label PNGs; make them with tools/segmenter_pseudolabels.py "
                            "or set segmenter.pseudo_labels to \"\"")
        images = {p.stem: p for p in Path(image_dir).iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png")}
        missing = [p.stem for p in label_paths if p.stem not in images]
        if missing:
            raise UserError(f"{image_dir}: no photo for pseudo-labels {missing[:3]}; check segmenter.pseudo_images")
        self.pairs = [(images[p.stem], p) for p in label_paths]

    def __len__(self) -> int:
        return len(self.pairs)

    def __getitem__(self, index: int) -> Sample:
        image_path, label_path = self.pairs[index]
        with Image.open(image_path) as image, Image.open(label_path) as labels:
            return np.asarray(image.convert("RGB")), np.asarray(labels)


class MixedSamples(Dataset):
    """A whole training run's samples, in order: position i is the source sample the run draws i-th (`order`),
    augmented with a draw seeded by (seed, i). So sample i is the same whether or not the run was interrupted
    and resumed, and whichever process or loader worker makes it: (float [3,H,W] in [0,1], int64 [H,W])."""

    def __init__(self, sources: Sequence[Dataset], order: Sequence[int], transform: A.Compose, seed: int):
        self.pool, self.order, self.transform, self.seed = ConcatDataset(sources), list(order), transform, seed

    def __len__(self) -> int:
        return len(self.order)

    def __getitem__(self, position: int) -> tuple[torch.Tensor, torch.Tensor]:
        image, target = self.pool[self.order[position]]
        if image.shape[:2] != target.shape:
            raise ValueError(f"sample {self.order[position]}: photo {image.shape[:2]} and labels {target.shape} "
                             "differ in size")
        # One generator pair shared by every transform in the pipeline, so their draws are independent of each
        # other (Compose.set_random_seed would give each transform the same stream).
        draws = np.random.default_rng([self.seed, position])
        self.transform.set_random_state(draws, random.Random(int(draws.integers(2 ** 63))))
        out = self.transform(image=image, mask=target)
        pixels = torch.from_numpy(np.ascontiguousarray(out["image"])).permute(2, 0, 1).float() / 255
        return pixels, torch.from_numpy(np.ascontiguousarray(out["mask"])).long()


def mixed(sources: Sequence[Dataset], shares: Sequence[float], transform: A.Compose, num_samples: int,
          seed: int) -> MixedSamples:
    """`num_samples` samples drawn with replacement from all sources, each source with probability ~ its
    share; the order and every augmentation follow from `seed` (see MixedSamples)."""
    if len(sources) != len(shares) or any(s < 0 for s in shares) or sum(shares) <= 0:
        raise ValueError(f"need one non-negative share per source, got {list(shares)} for {len(sources)} sources")
    weights = torch.cat([torch.full((len(src),), share / len(src)) for src, share in zip(sources, shares)])
    order = torch.multinomial(weights, num_samples, replacement=True, generator=torch.Generator().manual_seed(seed))
    return MixedSamples(sources, order.tolist(), transform, seed)
