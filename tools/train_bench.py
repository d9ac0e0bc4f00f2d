"""Generator training speed per config: one full GAN step (G forward, D step, G step, EMA) on random
batches of the config's size, after warm-up steps. Prints a table: parameters, the median s/step and its
img/s, the best (fastest) step, and the hours `train.steps` would take at the median speed (data loading
not included). On a shared machine other people's work slows some steps down: the best step is the
closest to an idle machine's speed.

Run heavy measurements under the shared lock, e.g.:
    flock /tmp/renovate-heavy.lock .venv/bin/python tools/train_bench.py configs/cpu.yaml \
        configs/pix2pix-baseline.yaml --steps 5
"""
from __future__ import annotations

import argparse
import resource
import statistics
import time

import torch

from renovate_net.catalog import load_catalog
from renovate_net.config import load_config
from renovate_net.engine.gan_trainer import GANTrainer
from renovate_net.engine.scaffold import start_runtime
from renovate_net.labels import NUM_LABELS


def random_batch(batch_size: int, size: int, seed: int = 0) -> dict[str, torch.Tensor]:
    """Random tensors following the dataset's item contract (speed does not depend on the content)."""
    catalog = load_catalog()
    g = torch.Generator().manual_seed(seed)
    types = len(catalog.types)
    active = (torch.rand(batch_size, types, generator=g) < 0.3).float()
    active[:, 0] = 1
    return {"before": torch.rand(batch_size, 3, size, size, generator=g),
            "after": torch.rand(batch_size, 3, size, size, generator=g),
            "labels": torch.randint(0, NUM_LABELS, (batch_size, size, size), generator=g),
            "edit_mask": (torch.rand(batch_size, 1, size, size, generator=g) > 0.5).float(),
            "active": active,
            "material": torch.randint(0, len(catalog.materials), (batch_size, types), generator=g),
            "colour": torch.rand(batch_size, types, 3, generator=g) * 2 - 1}


def bench(path: str, overrides: list[str], steps: int, warmup: int) -> dict:
    config = load_config(path, overrides)
    runtime = start_runtime(config.device)
    if config.train.threads:
        torch.set_num_threads(config.train.threads)
    torch.manual_seed(config.seed)
    trainer = GANTrainer(config, runtime)
    batch = random_batch(config.train.batch_size, config.data.image_size)
    for _ in range(warmup):
        trainer.step(batch)
    if runtime.cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    times = []
    for _ in range(steps):  # each step ends in a host sync (the loss values), so it can be timed alone
        started = time.perf_counter()
        trainer.step(batch)
        times.append(time.perf_counter() - started)
    seconds, best = statistics.median(times), min(times)
    memory = (torch.cuda.max_memory_allocated() / 2 ** 30 if runtime.cuda
              else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2 ** 20)
    return {"config": path, "generator": config.model.generator,
            "g_params": sum(p.numel() for p in trainer.G.parameters()) / 1e6,
            "d_params": sum(p.numel() for p in trainer.D.parameters()) / 1e6,
            "size": config.data.image_size, "batch": config.train.batch_size, "s_step": seconds,
            "img_s": config.train.batch_size / seconds, "best_s_step": best,
            "hours": config.train.steps * seconds / 3600,
            "train_steps": config.train.steps, "device": str(runtime.device), "threads": torch.get_num_threads(),
            "memory_gib": memory}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("configs", nargs="+", help="config YAML files to measure")
    parser.add_argument("--set", dest="overrides", action="append", default=[], help="key=value for every config")
    parser.add_argument("--steps", type=int, default=8, help="timed steps per config")
    parser.add_argument("--warmup", type=int, default=2, help="untimed steps first")
    args = parser.parse_args()
    rows = [bench(path, args.overrides, args.steps, args.warmup) for path in args.configs]
    memory_kind = "GPU peak GiB" if rows[0]["device"].startswith("cuda") else "RSS peak GiB"
    print(f"{'config':<32} {'generator':<15} {'G M':>6} {'D M':>5} {'px':>4} {'batch':>5} {'s/step':>7} "
          f"{'img/s':>6} {'best':>6} {'steps':>6} {'hours':>6} {memory_kind:>13}  device/threads")
    for r in rows:
        print(f"{r['config']:<32} {r['generator']:<15} {r['g_params']:>6.2f} {r['d_params']:>5.2f} {r['size']:>4} "
              f"{r['batch']:>5} {r['s_step']:>7.2f} {r['img_s']:>6.2f} {r['best_s_step']:>6.2f} {r['train_steps']:>6} "
              f"{r['hours']:>6.2f} {r['memory_gib']:>13.2f}  {r['device']}/{r['threads']}")


if __name__ == "__main__":
    main()
