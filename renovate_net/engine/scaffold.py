"""The training-run scaffold both trainers (generator and segmenter) stand on, so that each concern of a run
has one place: the run folder, seeding, threads, the device and torchrun's process group, checkpoints with
exact resume, the cadence of logging / validation / checkpoints, and publishing the trained network (model
folder + MODEL_CARD.md, logged and registered in MLflow).

A trainer supplies what differs (the `Trainer` protocol): its networks and their update step, its batches,
its validation, and the card and registry entry of its result. `run_training` does the rest.

Exact resume: a checkpoint holds the trainer's state (weights, optimizer moments, schedule counters) plus the
step, the resolved config and every RNG state, and a trainer draws its batches in an order that follows from
(seed, step), so a run resumed at step k goes on as the interrupted run would have.
Under `torchrun` (WORLD_SIZE > 1) every process trains on its shard of the batches; rank 0 alone logs,
validates, checkpoints and publishes.
"""
from __future__ import annotations

import contextlib
import os
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Protocol

import numpy as np
import torch
import torch.distributed as dist
from tqdm import tqdm

from renovate_net import tracking
from renovate_net.config import Config, changed_settings
from renovate_net.device import pick_device
from renovate_net.engine import checkpoint as ckpt
from renovate_net.errors import UserError
from renovate_net.models.store import CARD, save_model

# Settings that do not change what a run computes (where and under which names it is logged and registered,
# how many threads and loader workers make its batches, how often it reports): a resumed run may change them.
MAY_CHANGE_ON_RESUME = frozenset({
    "out_dir", "run_name", "experiment", "register_as", "alias", "train.threads", "train.num_workers",
    "train.log_every", "train.val_every", "train.checkpoint_every", "data.val_limit", "gan.val_samples"})


@dataclass(frozen=True)
class Runtime:
    """Where this process trains: its device, and its place among torchrun's processes."""
    device: torch.device
    rank: int = 0
    world: int = 1
    local_rank: int = 0

    @property
    def main(self) -> bool:
        return self.rank == 0

    @property
    def cuda(self) -> bool:
        return self.device.type == "cuda"


def start_runtime(device: str) -> Runtime:
    """Pick the device; under `torchrun` (WORLD_SIZE > 1) join the process group (NCCL on GPUs, else gloo)."""
    chosen = pick_device(device, fix="--set device=cpu")
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world == 1:
        return Runtime(chosen)
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if chosen.type == "cuda":
        torch.cuda.set_device(local_rank)
        chosen = torch.device("cuda", local_rank)
    dist.init_process_group("nccl" if chosen.type == "cuda" else "gloo")
    return Runtime(chosen, dist.get_rank(), world, local_rank)


def stop_runtime(runtime: Runtime) -> None:
    if runtime.world > 1 and dist.is_initialized():
        dist.destroy_process_group()


def seed_everything(seed: int) -> None:
    """Seed python, numpy and torch (every device): everything a trainer draws from the global generators."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def run_folder(config: Config, default_name: str) -> Path:
    """OUT_DIR/RUN_NAME, where a run keeps its checkpoint and model folder."""
    return Path(config.out_dir) / (config.run_name or default_name)


@dataclass(frozen=True)
class Due:
    """What a training step owes besides the update (on rank 0)."""
    log: bool
    validate: bool
    checkpoint: bool


def due_at(step: int, train: Config) -> Due:
    """Every train.log_every / val_every / checkpoint_every steps, and all three at the final step."""
    final = step >= train.steps
    return Due(log=final or step % train.log_every == 0, validate=final or step % train.val_every == 0,
               checkpoint=final or step % train.checkpoint_every == 0)


@dataclass(frozen=True)
class Release:
    """A trained network as it is published: how to rebuild it (kind, name, kwargs), what else model.json
    records, its model card, and its registry entry (description, tags)."""
    model: torch.nn.Module
    kind: str
    name: str
    kwargs: dict[str, Any]
    extra: dict[str, Any]
    card: str
    description: str
    tags: dict[str, str]
    half: bool = False


def publish(run: tracking.Run, folder: Path, release: Release, config_yaml: str, register_as: str,
            alias: str) -> Path:
    """Save the model folder with its MODEL_CARD.md, log it into the run and, with `register_as`, register it
    (pointing `alias`, if any, at the new version). Returns the model folder."""
    model_folder = save_model(folder, release.model, release.kind, release.name, release.kwargs, config_yaml,
                              release.extra, half=release.half)
    (model_folder / CARD).write_text(release.card)
    uri = run.log_model_folder(model_folder)
    if register_as:
        version = run.register(uri, register_as, alias=alias or None, tags=release.tags,
                               description=release.description)
        tqdm.write(f"registered {register_as} version {version}" + (f" as @{alias}" if alias else ""))
    return model_folder


class Trainer(Protocol):
    """What `run_training` needs from a trainer."""
    config: Config
    runtime: Runtime
    step_count: int  # optimizer steps taken so far; `step` advances it
    lr_metric: str  # the metric names of the learning rate and of the speed (images per second)
    speed_metric: str
    data_files: dict[str, str]  # run artifacts describing the training data: name -> text

    def batches(self) -> Iterator[Any]:
        """This process's batches from `step_count` on, in an order that follows from (seed, step)."""

    def step(self, batch: Any) -> dict[str, float]:
        """One update; returns its loss terms (logged as means over the steps since the last log)."""

    def learning_rate(self) -> float:
        """The learning rate to log."""

    def postfix(self, means: dict[str, float]) -> dict[str, str]:
        """The progress bar's short loss summary."""

    def validate(self, run: tracking.Run, step: int) -> dict[str, float]:
        """Measure on held-out data, log it at `step`, return the figures."""

    def state(self) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
        """(tensors, JSON-able meta) of everything the trainer needs to continue exactly."""

    def load_state(self, tensors: dict[str, torch.Tensor], meta: dict[str, Any]) -> None:
        """Inverse of `state`."""

    def release(self, run: tracking.Run, metrics: dict[str, float]) -> Release:
        """The network to publish at the end, with its card and registry entry."""


def save_training_state(path: Path, trainer: Trainer) -> None:
    """A checkpoint: the trainer's state plus the step, the resolved config and every RNG state."""
    tensors, meta = trainer.state()
    rng_tensors, rng_meta = ckpt.rng_state()
    ckpt.save_checkpoint(path, {**tensors, **rng_tensors},
                         {**meta, "step": trainer.step_count, "config": trainer.config.to_dict(), "rng": rng_meta})


def resume_training(trainer: Trainer, checkpoint: str | Path) -> None:
    """Continue `trainer` exactly where a checkpoint of the same recipe stopped; refuse any other."""
    path = ckpt.resolve_checkpoint(checkpoint)
    tensors, meta = ckpt.load_checkpoint(path)
    changed = changed_settings(trainer.config, meta["config"], MAY_CHANGE_ON_RESUME)
    if changed:
        raise UserError(f"{path} was trained with other settings: {'; '.join(changed[:4])}; "
                        "resume with the same config and --set overrides as the original run")
    if "rng" not in meta:
        raise UserError(f"{path} predates exact resume (it holds no random-generator states); "
                        "start a new run with --set run_name=NEW_NAME")
    trainer.load_state(tensors, meta)
    ckpt.set_rng_state(tensors, meta["rng"])
    trainer.step_count = int(meta["step"])


def run_training(config: Config, resume: str | None, build: Callable[[Config, Runtime, bool], Trainer],
                 folder: Path) -> dict[str, float]:
    """Build a trainer (`build(config, runtime, fresh)`; fresh = not resuming, so start weights such as
    pretrained or init_from ones are loaded only then), continue it from `resume` if given, train it with
    checkpoints in `folder`, and publish the result. Returns the last validation figures (rank 0; else {})."""
    runtime = start_runtime(config.device)
    try:
        if resume is None and (folder / ckpt.LAST).exists():
            raise UserError(f"{folder} already holds a training run; continue it with --resume {folder} "
                            "or start a new one with --set run_name=NEW_NAME")
        if config.train.threads:
            torch.set_num_threads(config.train.threads)
        if runtime.cuda:
            torch.backends.cudnn.benchmark = True
        seed_everything(config.seed + runtime.rank)
        trainer = build(config, runtime, resume is None)
        if resume is not None:
            resume_training(trainer, resume)
        log_run = tracking.start_run(config.experiment, folder.name) if runtime.main else contextlib.nullcontext()
        with log_run as run:
            if run is not None:
                run.log_params({**config.flat(), "resumed_from_step": trainer.step_count,
                                "processes": runtime.world})
                run.log_text(config.to_yaml(), "config.yaml")
                for name, text in trainer.data_files.items():
                    run.log_text(text, name)
            metrics = _loop(trainer, run, folder)
            if run is not None:
                publish(run, folder / "model", trainer.release(run, metrics), config.to_yaml(),
                        config.register_as, config.alias)
        return metrics
    finally:
        stop_runtime(runtime)


def _loop(trainer: Trainer, run: tracking.Run | None, folder: Path) -> dict[str, float]:
    """Steps until train.steps; rank 0 logs, validates and checkpoints when due. Returns the last val figures."""
    train, runtime = trainer.config.train, trainer.runtime
    if trainer.step_count >= train.steps:  # resumed from the final checkpoint: only the final report is left
        return trainer.validate(run, trainer.step_count) if runtime.main else {}
    batches, metrics = trainer.batches(), {}
    sums: dict[str, float] = {}
    steps, started = 0, time.perf_counter()
    # a long run's console (often a log file) gets a progress line every 10 s at most
    bar = tqdm(total=train.steps, initial=trainer.step_count, disable=not runtime.main, unit="step",
               dynamic_ncols=True, mininterval=10)
    while trainer.step_count < train.steps:
        losses = trainer.step(next(batches))
        if not runtime.main:
            continue
        bar.update(1)
        steps += 1
        for key, value in losses.items():
            sums[key] = sums.get(key, 0.0) + value
        step, due = trainer.step_count, due_at(trainer.step_count, train)
        if due.log:
            means = {key: value / steps for key, value in sums.items()}
            rate = steps * train.batch_size * runtime.world / (time.perf_counter() - started)
            run.log_metrics({**means, trainer.lr_metric: trainer.learning_rate(), trainer.speed_metric: rate},
                            step=step)
            bar.set_postfix({**trainer.postfix(means), "img/s": f"{rate:.1f}"})
            sums, steps, started = {}, 0, time.perf_counter()
        if due.validate:
            metrics = trainer.validate(run, step)
        if due.checkpoint:
            save_training_state(folder / ckpt.LAST, trainer)
    bar.close()
    return metrics
