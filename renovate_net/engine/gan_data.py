"""Training and validation pairs for the generator, and the resumable order they are drawn in.

Two sources, chosen by the config:
- `data.train_manifest` (+ `data.extra_train_manifests`) / `data.val_manifest`: pairs built by
  `renovate-net data build` (the real thing); training and validation must not share a source photo
  (validation is on held-out photos only).
- `data.synthetic: N`: N synthetic houses renovated in memory by the same simulator (plus N/4 other houses
  for validation) — for smoke runs, tests and CI, which have no photos.

Batches follow a DistributedSampler permutation per epoch (seeded by `seed` + epoch, one shard per torchrun
process); the position in it follows from the step, so a resumed run draws the very batches the
interrupted one would have.
"""
from __future__ import annotations

from typing import Iterator

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset
from torch.utils.data.distributed import DistributedSampler

from renovate_net.config import Config
from renovate_net.engine.scaffold import Runtime
from renovate_net.errors import UserError


def make_datasets(config: Config) -> tuple[Dataset, Dataset, str]:
    """(train, val, one-paragraph description of the data for the model card)."""
    data = config.data
    if data.synthetic:
        from renovate_net.engine.synthetic_pairs import SyntheticPairs

        val_count = max(4, data.synthetic // 4)
        train = SyntheticPairs(data.synthetic, data.image_size, seed=config.seed)
        val = SyntheticPairs(val_count, data.image_size, seed=config.seed + 1_000_003)  # other houses
        return train, val, (f"{data.synthetic} synthetic houses renovated in memory by the simulator "
                            f"(validation: {val_count} other synthetic houses), {data.image_size} px")
    if not data.train_manifest or not data.val_manifest:
        raise UserError("no training data: set data.train_manifest and data.val_manifest (build them with "
                        "`renovate-net data build`) or data.synthetic=N for generated houses")
    from renovate_net.data.dataset import ManifestDataset

    manifests = [data.train_manifest, *data.extra_train_manifests]
    train = ManifestDataset(manifests, data.image_size, augment=data.augment)
    val = ManifestDataset(data.val_manifest, data.image_size, augment=False)
    shared = _sources(train) & _sources(val)
    if shared:
        raise UserError(f"{len(shared)} source photos are in both the training manifests and data.val_manifest "
                        f"(e.g. {sorted(shared)[0]}); validate on held-out photos only")
    return train, val, (f"{len(train)} pairs from {' + '.join(manifests)} (validation: {len(val)} pairs from "
                        f"{data.val_manifest}), {data.image_size} px, augment={data.augment}")


def _sources(dataset) -> set[str]:
    return {r.source for r in dataset.records if r.source}


def train_batches(dataset: Dataset, batch_size: int, seed: int, start_step: int, runtime: Runtime,
                  workers: int) -> Iterator[dict[str, torch.Tensor]]:
    """Endless batches for this process, starting at `start_step` of the deterministic order."""
    sampler = DistributedSampler(dataset, num_replicas=runtime.world, rank=runtime.rank, shuffle=True,
                                 seed=seed, drop_last=True)
    per_epoch = len(sampler) // batch_size
    if per_epoch == 0:
        raise UserError(f"{len(dataset)} training pairs cannot fill one batch of {batch_size} per process; "
                        "lower train.batch_size or add data")
    step = start_step
    while True:
        epoch, offset = divmod(step, per_epoch)
        sampler.set_epoch(epoch)
        indices = list(sampler)[offset * batch_size: per_epoch * batch_size]
        # A private generator: creating the loader must not draw from (and so shift) the global torch RNG.
        generator = torch.Generator().manual_seed(seed * 1_000_003 + epoch)
        loader = DataLoader(dataset, batch_size=batch_size, sampler=indices, num_workers=workers,
                            drop_last=True, generator=generator, pin_memory=runtime.cuda,
                            worker_init_fn=_seed_worker if workers else None)
        for batch in loader:
            yield batch
            step += 1


def _seed_worker(worker_id: int) -> None:
    """Loader workers: numpy and python RNGs from the worker's torch seed (else forked workers repeat them)."""
    import random

    seed = torch.initial_seed() % 2 ** 32
    np.random.seed(seed)
    random.seed(seed)


def val_batches(dataset: Dataset, batch_size: int, runtime: Runtime) -> DataLoader:
    """The validation pairs in order (rank 0 validates alone)."""
    return DataLoader(dataset, batch_size=batch_size, shuffle=False, num_workers=0, pin_memory=runtime.cuda)
