"""`renovate-net train` for the generator: the GAN step discipline (pix2pix's, in this one place), its
validation, and the release of the EMA generator; the run around it (folder, seeding, torchrun, checkpoints
with exact resume, cadence, MLflow logging and registration) is engine/scaffold.py's.

Per step: the generator runs once; the discriminator steps on (input, target) vs (input, output.detach());
then, with the discriminator's gradients frozen, the generator steps on the weighted loss terms
(`losses.py`) and the EMA follows it. Mixed precision is bf16 autocast on CUDA (no loss scaling needed);
several GPUs or nodes run through `torchrun` (DistributedDataParallel + DistributedSampler).
"""
from __future__ import annotations

import math
from pathlib import Path

import torch
from torch.nn.parallel import DistributedDataParallel

from renovate_net import tracking
from renovate_net.catalog import load_catalog
from renovate_net.config import Config
from renovate_net.engine import checkpoint as ckpt
from renovate_net.engine import scaffold
from renovate_net.engine.gan_data import make_datasets, train_batches, val_batches
from renovate_net.engine.gan_setup import discriminator_spec, ema_of, generator_spec, optimizer_and_schedule
from renovate_net.engine.scaffold import Release, Runtime
from renovate_net.engine.schedule import load_scheduler_state, scheduler_state
from renovate_net.engine.validation import sample_grid, validate
from renovate_net.errors import UserError
from renovate_net.losses import discriminator_losses, generator_losses, weighted_total
from renovate_net.metrics import Lite0Features
from renovate_net.models import create
from renovate_net.models.inputs import batch_inputs
from renovate_net.models.store import init_weights


class GANTrainer:
    """Networks, optimizers, schedules and the generator EMA; `step` is one G + one D update."""

    def __init__(self, config: Config, runtime: Runtime, fresh: bool = True):
        """`fresh`: a new run, so model.init_from is loaded (a resumed one gets its weights from the checkpoint)."""
        catalog = load_catalog()
        self.config, self.runtime = config, runtime
        self.g_spec = generator_spec(config, catalog)
        self.d_spec = discriminator_spec(config, catalog)
        self.G = create("generator", self.g_spec[0], **self.g_spec[1])
        if config.model.init_from and fresh:
            init_weights(self.G, config.model.init_from, "generator", "model.init_from")
        self.G.to(runtime.device)
        self.D = create("discriminator", self.d_spec[0], **self.d_spec[1]).to(runtime.device)
        # channels_last also speeds up oneDNN convolutions on CPU (about 25% per step measured on 2 cores)
        self.fast = config.train.channels_last
        if self.fast:
            self.G.to(memory_format=torch.channels_last)
            self.D.to(memory_format=torch.channels_last)
        self.ema = ema_of(self.G, config.gan.ema_decay)
        self.opt_g, self.sched_g = optimizer_and_schedule(self.G.parameters(), config.train.lr, config)
        self.opt_d, self.sched_d = optimizer_and_schedule(self.D.parameters(), config.gan.lr_d, config)
        self.perceptual = Lite0Features().to(runtime.device) if config.loss.perceptual else None
        self.step_count = 0

        g_run, d_run = self.G, self.D
        if runtime.world > 1:
            ids = [runtime.local_rank] if runtime.cuda else None
            g_run, d_run = (DistributedDataParallel(g_run, device_ids=ids),
                            DistributedDataParallel(d_run, device_ids=ids))
        maybe_compile = torch.compile if config.train.compile else (lambda module: module)
        self.g_forward = maybe_compile(g_run)
        self.d_forward = maybe_compile(d_run)
        # On the generator step no discriminator gradient is reduced, so it runs outside DDP.
        self.d_frozen = self.d_forward if runtime.world == 1 else maybe_compile(self.D)

    def autocast(self):
        enabled = self.runtime.cuda and self.config.train.amp
        return torch.autocast(self.runtime.device.type, dtype=torch.bfloat16, enabled=enabled)

    def to_device(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        out = {k: v.to(self.runtime.device, non_blocking=True) for k, v in batch.items()}
        if self.fast:
            for key in ("before", "after"):
                out[key] = out[key].contiguous(memory_format=torch.channels_last)
        return out

    def step(self, batch: dict[str, torch.Tensor]) -> dict[str, float]:
        """One training step; returns the loss terms as floats. Stops on a non-finite loss."""
        b = self.to_device(batch)
        cond = (b["before"], b["labels"], b["active"], b["colour"])
        self.G.train()
        self.D.train()
        with self.autocast():
            out = self.g_forward(*batch_inputs(b))

        self.D.requires_grad_(True)
        with self.autocast():
            real, fake = self.d_forward(b["after"], *cond), self.d_forward(out["after"].detach(), *cond)
        d_losses = discriminator_losses(real, fake, self.config.gan.loss)
        self._check_finite(d_losses)
        self.opt_d.zero_grad(set_to_none=True)
        (d_losses["loss/d_real"] + d_losses["loss/d_fake"]).backward()
        self.opt_d.step()

        self.D.requires_grad_(False)  # the generator step must not train the discriminator
        with self.autocast():
            fake_for_g = self.d_frozen(out["after"], *cond) if self.config.loss.adv else None
        g_losses = generator_losses(out, b["after"], b["edit_mask"], fake_for_g, self.config.gan.loss,
                                    self.perceptual)
        total = weighted_total(g_losses, self.config.loss)
        self._check_finite({**g_losses, "loss/g_total": total})
        self.opt_g.zero_grad(set_to_none=True)
        total.backward()
        self.opt_g.step()
        self.D.requires_grad_(True)

        self.ema.update_parameters(self.G)
        self.sched_g.step()
        self.sched_d.step()
        self.step_count += 1
        values = {**g_losses, **d_losses, "loss/g_total": total}
        return {k: float(v.detach()) for k, v in values.items()}

    def _check_finite(self, losses: dict[str, torch.Tensor]) -> None:
        values = torch.stack([v.detach().float() for v in losses.values()])
        if not bool(torch.isfinite(values).all()):
            bad = ", ".join(f"{k}={float(v.detach()):.4g}" for k, v in losses.items()
                        if not math.isfinite(float(v.detach())))
            raise UserError(f"training diverged at step {self.step_count + 1}: {bad}; resume from the last "
                            "checkpoint with a lower train.lr / gan.lr_d (or --set train.amp=false)")

    def generate(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """The EMA generator in eval mode (what gets saved), for validation."""
        self.ema.module.eval()
        with torch.no_grad(), self.autocast():
            return self.ema.module(*batch_inputs(batch))

    def state(self) -> tuple[dict[str, torch.Tensor], dict]:
        """Networks, EMA, optimizers and schedules (engine/scaffold.py adds the step, the config and the RNGs)."""
        opt_g, groups_g = ckpt.optimizer_state("optG", self.opt_g)
        opt_d, groups_d = ckpt.optimizer_state("optD", self.opt_d)
        tensors = {**ckpt.prefixed("G", self.G.state_dict()), **ckpt.prefixed("D", self.D.state_dict()),
                   **ckpt.prefixed("ema", self.ema.state_dict()), **opt_g, **opt_d}
        meta = {"generator": list(self.g_spec), "discriminator": list(self.d_spec),
                "optG_groups": groups_g, "optD_groups": groups_d,
                "schedG": scheduler_state(self.sched_g), "schedD": scheduler_state(self.sched_d)}
        return tensors, meta

    def load_state(self, tensors: dict[str, torch.Tensor], meta: dict) -> None:
        self.G.load_state_dict(ckpt.unprefixed("G", tensors))
        self.D.load_state_dict(ckpt.unprefixed("D", tensors))
        self.ema.load_state_dict(ckpt.unprefixed("ema", tensors))
        ckpt.load_optimizer_state(self.opt_g, "optG", tensors, meta["optG_groups"])
        ckpt.load_optimizer_state(self.opt_d, "optD", tensors, meta["optD_groups"])
        load_scheduler_state(self.sched_g, meta["schedG"])
        load_scheduler_state(self.sched_d, meta["schedD"])


class GeneratorTraining(GANTrainer):
    """GANTrainer with its training and validation pairs, its validation and its release: the trainer
    engine/scaffold.py drives (GANTrainer alone is the networks and their step, e.g. for tools/train_bench.py)."""
    lr_metric, speed_metric = "train/lr", "train/img_per_s"

    def __init__(self, config: Config, runtime: Runtime, fresh: bool = True):
        self.train_set, self.val_set, self.data_description = make_datasets(config)
        super().__init__(config, runtime, fresh)
        self.data_files = {"train_data.txt": self.data_description}

    def batches(self):
        train = self.config.train
        return train_batches(self.train_set, train.batch_size, self.config.seed, self.step_count, self.runtime,
                             train.num_workers)

    def learning_rate(self) -> float:
        return self.opt_g.param_groups[0]["lr"]

    def postfix(self, means: dict[str, float]) -> dict[str, str]:
        return {"g": f"{means['loss/g_total']:.3f}", "l1": f"{means['loss/g_l1']:.3f}",
                "d": f"{means['loss/d_real'] + means['loss/d_fake']:.3f}"}

    def validate(self, run: tracking.Run, step: int) -> dict[str, float]:
        """val/* metrics of the EMA generator on the held-out pairs, and a sample grid PNG."""
        config = self.config
        batches = val_batches(self.val_set, config.train.batch_size, self.runtime)
        metrics, first_batch, first_out = validate(self.generate, batches, self.runtime.device,
                                                   limit=config.data.val_limit)
        run.log_metrics(metrics, step=step)
        if first_batch is not None and config.gan.val_samples:
            grid = sample_grid(first_batch, first_out, config.gan.val_samples)
            run.log_image(grid, f"samples/step_{step:06d}.png")
        return metrics

    def release(self, run: tracking.Run, metrics: dict[str, float]) -> Release:
        """The EMA generator, registered with its size, steps, data and validation figures."""
        config = self.config
        name, kwargs = self.g_spec
        kwargs = {**kwargs, "pretrained": False} if "pretrained" in kwargs else kwargs  # weights come from the file
        parameters = sum(p.numel() for p in self.ema.module.parameters())
        description = (f"{name} ({parameters / 1e6:.1f}M parameters, {config.data.image_size} px, "
                       f"{self.step_count} steps, {'fp16' if config.gan.save_half else 'fp32'} weights"
                       f"{', fine-tuned from ' + config.model.init_from if config.model.init_from else ''}); "
                       f"data: {self.data_description}")
        extra = {"image_size": config.data.image_size, "steps": self.step_count, "parameters": parameters,
                 "metrics": metrics, "train_data": self.data_description, "mlflow_run_id": run.id}
        tags = {"generator": name, "image_size": str(config.data.image_size), "run_id": run.id}
        return Release(self.ema.module, "generator", name, kwargs, extra, _model_card(description, metrics, run.id),
                       description, tags, half=config.gan.save_half)


def run_folder(config: Config) -> Path:
    """Where a generator run keeps its checkpoint and model folder."""
    return scaffold.run_folder(config, f"{config.task}-{config.model.generator}")


def train_generator(config: Config, resume: str | None = None) -> dict[str, float]:
    """Train, validate, checkpoint, save and register the generator; returns the final val/* metrics."""
    return scaffold.run_training(config, resume, GeneratorTraining, run_folder(config))


def _model_card(description: str, val_metrics: dict[str, float], run_id: str) -> str:
    """A short card stored beside the weights: what the model is, what it saw, how it scored."""
    rows = "\n".join(f"| {key} | {value:.4g} |" for key, value in sorted(val_metrics.items()))
    return (f"# renovate-net generator\n\n{description}\n\nTrained by `renovate-net train` "
            f"(MLflow run {run_id}); the resolved config is config.yaml, the catalog fingerprint is in "
            "model.json. The photos behind the training pairs keep their own licences (LabelMeFacade: "
            "non-commercial research use).\n\nValidation on held-out pairs (EMA weights):\n\n"
            f"| metric | value |\n|---|---|\n{rows}\n")
