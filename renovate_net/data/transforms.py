"""Paired albumentations transforms: one geometric draw for before, after, labels and edit mask; one
photometric draw applied identically to before and after (pix2pix's paired crop/flip).

Train: a random resized crop (30-100 % of the area, aspect 3:4..4:3) to S x S and a horizontal flip; a crop
that misses most of the edit is redrawn (a sample asking for a pool whose crop shows no pool teaches the
model to ignore the request).
Val: the whole photo, long side resized to S and centre-padded to S x S (labels pad with `other`, the edit
mask with 0), so nothing of the house is cut off.
Photometric jitter is brightness/contrast/gamma only: hue or saturation shifts would change the material's
colour in the after while the conditioning colour stays, teaching the model to ignore the colour input.
All of these are pointwise and share their parameters, so pixels the simulator left untouched stay equal
in before and after.
"""
from __future__ import annotations

from typing import Callable

import albumentations as A
import cv2
import numpy as np

Sample = dict[str, np.ndarray]
CROP_TRIES = 8  # random crops drawn until one holds a fair share of the edit (a crop without it teaches "no-op")


def paired_transform(image_size: int, augment: bool) -> Callable[[Sample], Sample]:
    """A function mapping {before, after (HxWx3 uint8), labels, placement (HxW uint8), edit_mask (HxW
    float32)} to the same keys at S x S, with one geometric draw shared by all five."""
    size = (image_size, image_size)
    if augment:
        geometric = [A.RandomResizedCrop(size=size, scale=(0.3, 1.0), ratio=(0.75, 4 / 3),
                                         interpolation=cv2.INTER_AREA),
                     A.HorizontalFlip(p=0.5)]
    else:
        geometric = [A.LongestMaxSize(max_size=image_size, interpolation=cv2.INTER_AREA),
                     A.PadIfNeeded(min_height=image_size, min_width=image_size, position="center",
                                   border_mode=cv2.BORDER_CONSTANT, fill=0, fill_mask=0)]
    # The edit mask travels as an image target so it is resampled bilinearly (soft edges stay soft);
    # labels and placement travel as mask targets (nearest neighbour, ids stay ids).
    geometry = A.Compose(geometric, additional_targets={"after": "image", "edit_mask": "image",
                                                        "placement": "mask"})
    photometry = A.Compose([A.RandomBrightnessContrast(brightness_limit=0.15, contrast_limit=0.15, p=0.8),
                            A.RandomGamma(gamma_limit=(85, 115), p=0.5)],
                           additional_targets={"after": "image"})

    def apply(sample: Sample) -> Sample:
        density = float(sample["edit_mask"].mean())
        for _ in range(CROP_TRIES):
            out = geometry(image=sample["before"], after=sample["after"], mask=sample["labels"],
                           edit_mask=sample["edit_mask"], placement=sample["placement"])
            if not augment or out["edit_mask"].mean() >= 0.3 * density:
                break
        before, after = out["image"], out["after"]
        if augment:
            jittered = photometry(image=before, after=after)
            before, after = jittered["image"], jittered["after"]
        return {"before": before, "after": after, "labels": out["mask"], "edit_mask": out["edit_mask"],
                "placement": out["placement"]}

    return apply
