"""The segmenter's training loss and its measures on labelled photos.

Loss: cross-entropy with per-class weights where a WALL_OR_ROOF target (LabelMeFacade's `building`) is the
set {wall, roof}: its likelihood is p(wall) + p(roof) (partial-label learning, e.g. Cour et al., JMLR 2011);
optionally plus a soft Dice term (Milletari et al., V-Net, 2016) over the classes the IoU is measured on, with
roof merged into wall as the measure merges it, which weighs small classes (windows, doors) by their overlap.
Measures: per-class IoU over a whole set of photos (confusion matrix accumulated at each photo's own size),
and the acceptance mIoU over sky, wall (+roof), window, door, vegetation and ground.
"""
from __future__ import annotations

import itertools
from typing import Iterable

import numpy as np
import torch
import torch.nn.functional as F

from renovate_net.data.segmentation import IGNORE, WALL_OR_ROOF
from renovate_net.labels import LABEL_ID, LABELS, NUM_LABELS

# Classes of the acceptance mIoU; roof predictions count as wall (LabelMeFacade labels roofs as building).
MIOU_CLASSES = ("sky", "wall", "window", "door", "vegetation", "ground")
# The classes the HSLU European facades label (its facade holds the roofs; no sky or doors): their mean is `miou`
# on that set.
HSLU_CLASSES = ("wall", "window", "vegetation", "ground")
WALL, ROOF = LABEL_ID["wall"], LABEL_ID["roof"]


def segmentation_loss(logits: torch.Tensor, target: torch.Tensor, class_weights: torch.Tensor) -> torch.Tensor:
    """Weighted cross-entropy of [N,C,H,W] logits against [N,H,W] targets (ids, WALL_OR_ROOF, IGNORE)."""
    log_p = F.log_softmax(logits.float(), dim=1)
    either = target == WALL_OR_ROOF
    valid = target != IGNORE
    index = torch.where(either | ~valid, torch.full_like(target, WALL), target)
    picked = log_p.gather(1, index[:, None])[:, 0]
    wall_or_roof = torch.logsumexp(log_p[:, [WALL, ROOF]], dim=1)
    log_likelihood = torch.where(either, wall_or_roof, picked)
    weight = class_weights.to(logits.device)[index] * valid
    return -(log_likelihood * weight).sum() / weight.sum().clamp_min(1e-6)


def dice_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """1 - mean soft Dice over the classes present in the batch, roof merged into wall (WALL_OR_ROOF = wall)."""
    full = F.softmax(logits.float(), dim=1)  # WALL and ROOF are neighbours: wall + roof takes their two places
    p = torch.cat([full[:, :WALL], full[:, WALL:ROOF + 1].sum(1, keepdim=True), full[:, ROOF + 1:]], dim=1)
    valid = (target != IGNORE)[:, None]
    merged = torch.where((target == ROOF) | (target == WALL_OR_ROOF), torch.full_like(target, WALL), target)
    merged = torch.where(merged > ROOF, merged - 1, merged)  # the ids above roof move down by one
    onehot = F.one_hot(merged.clamp(max=p.shape[1] - 1), p.shape[1]).permute(0, 3, 1, 2).float() * valid
    p = p * valid
    dims = (0, 2, 3)
    overlap, present = (p * onehot).sum(dims), onehot.sum(dims)
    dice = (2 * overlap + 1) / (p.sum(dims) + present + 1)
    return 1 - dice[present > 0].mean()


def confusion(truth: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """NUM_LABELS x NUM_LABELS pixel counts, rows = truth, columns = prediction; truth ids beyond the labels
    (unlabelled pixels) are not counted."""
    known = truth.ravel() < NUM_LABELS
    index = truth.astype(np.int64).ravel()[known] * NUM_LABELS + predicted.astype(np.int64).ravel()[known]
    return np.bincount(index, minlength=NUM_LABELS ** 2).reshape(NUM_LABELS, NUM_LABELS)


def iou_table(matrix: np.ndarray, classes: tuple[str, ...] = MIOU_CLASSES) -> dict[str, float]:
    """Per-class IoU with roof merged into wall (`iou_<label>`, NaN for a class absent from truth and
    prediction), and `miou` over `classes`."""
    merged = matrix.astype(np.float64).copy()
    merged[WALL] += merged[ROOF]
    merged[:, WALL] += merged[:, ROOF]
    merged[ROOF] = 0
    merged[:, ROOF] = 0
    hits = np.diag(merged)
    union = merged.sum(0) + merged.sum(1) - hits
    with np.errstate(invalid="ignore", divide="ignore"):
        iou = np.where(union > 0, hits / union, np.nan)
    table = {f"iou_{name}": float(iou[i]) for i, name in enumerate(LABELS) if name != "roof"}
    table["miou"] = float(np.nanmean([table[f"iou_{name}"] for name in classes]))
    table["pixel_accuracy"] = float(hits.sum() / max(merged.sum(), 1))
    return table


def evaluate(segmenter, samples: Iterable[tuple[np.ndarray, np.ndarray]], batch: int = 8,
             classes: tuple[str, ...] = MIOU_CLASSES) -> tuple[dict, np.ndarray]:
    """(IoU table, confusion matrix) of `segmenter` (renovate_net.render.segmenter.Segmenter) on (photo, truth)
    pairs; `miou` is the mean over `classes`."""
    matrix = np.zeros((NUM_LABELS, NUM_LABELS), np.int64)
    pairs = iter(samples)
    while chunk := list(itertools.islice(pairs, batch)):
        for (_, truth), predicted in zip(chunk, segmenter.predict_batch([image for image, _ in chunk])):
            matrix += confusion(truth, predicted)
    return iou_table(matrix, classes), matrix


def format_table(table: dict[str, float]) -> str:
    """A plain-text table of the per-class IoU and the mIoU, as the tools print it."""
    lines = [f"{'class':<12} {'IoU':>6}"]
    lines += [f"{name:<12} {table[f'iou_{name}']:>6.3f}" for name in LABELS if name != "roof"]
    lines += [f"{'mIoU (6)':<12} {table['miou']:>6.3f}", f"{'pixel acc':<12} {table['pixel_accuracy']:>6.3f}"]
    return "\n".join(lines)
