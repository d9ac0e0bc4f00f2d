"""Speed and memory of the shipped models: render latency per photo size and CPU thread count (and on the
GPU where one is present), peak memory, and training img/s per config. Prints Markdown tables.

    python tools/bench.py                      # renovate-net@champion, 512x512 / 1024x768 / 4000x3000, 1 and 2 threads
    python tools/bench.py --compare            # the baseline beside it, with time ratios
    python tools/bench.py --sizes 1024x768 --threads 2 --train configs/cpu.yaml
    python tools/bench.py --type facade-cladding --type roof --type driveway --sizes 1224x816 4000x3000 --threads 2 --train

Every measurement runs in a fresh child process, so its peak RSS belongs to that one model, size and thread
count; the photo is the README example photo resized to each size, and the request is the main command's
(facade-insulation + windows) unless --type says otherwise. "render" is what `renovate-net render` spends per photo once the models are
loaded: facade labels from the segmenter, the generator at its working size, and the composite onto the
full-size photo. "ms/MP" tells whether the time grows linearly with the pixel count. Run it on an idle
machine: other work on the cores slows every row down.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parent / "examples" / "house.jpg"
REQUEST = ["facade-insulation", "windows"]


def render_child(job: dict) -> dict:
    """Load the generator and segmenter once, render the example photo at one size: load and render times."""
    import numpy as np
    import torch
    from PIL import Image

    from renovate_net.imaging import load_image
    from renovate_net.render.pipeline import Renovator
    from renovate_net.request import parse_request

    torch.set_num_threads(job["threads"])
    width, height = job["size"]
    image = np.array(Image.fromarray(load_image(EXAMPLE)).resize((width, height), Image.Resampling.LANCZOS))
    request = parse_request(job["types"])
    started = time.perf_counter()
    renovator = Renovator.load(job["model"], device=job["device"])
    load_s = time.perf_counter() - started
    cuda = renovator.device.type == "cuda"

    def once() -> float:
        started = time.perf_counter()
        renovator.render(image, request)
        if cuda:
            torch.cuda.synchronize()
        return time.perf_counter() - started

    once()  # warm-up: allocator, kernels, first-call caches
    times = [once() for _ in range(job["repeats"])]
    return {"load_s": load_s, "render_s": statistics.median(times), "best_s": min(times),
            "rss_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2 ** 20,
            "gpu_gib": torch.cuda.max_memory_allocated() / 2 ** 30 if cuda else None}


def train_child(job: dict) -> dict:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from train_bench import bench

    return bench(job["config"], job["overrides"], job["steps"], job["warmup"])


def in_child(kind: str, job: dict) -> dict:
    """Run one measurement in a fresh interpreter; its last stdout line is the JSON result."""
    command = [sys.executable, __file__, "--child", kind, json.dumps(job)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise SystemExit(f"error: {kind} measurement {job} failed: {tail}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def parse_size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(side) for side in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size {text!r} must look like 1024x768") from None
    return width, height


def machine() -> str:
    import torch

    cpuinfo = Path("/proc/cpuinfo")
    names = [line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines()
             if line.startswith("model name")] if cpuinfo.exists() else []
    cpu = names[0] if names else platform.processor()
    gpu = f", GPU {torch.cuda.get_device_name()}" if torch.cuda.is_available() else ""
    return f"{cpu}, {len(os.sched_getaffinity(0))} cores{gpu}; torch {torch.__version__}"


def render_table(args: argparse.Namespace) -> None:
    import torch

    models = [("model", args.model)] + ([("baseline", args.baseline)] if args.compare else [])
    settings = [("cpu", threads) for threads in args.threads]
    if torch.cuda.is_available() and not args.cpu_only:
        settings.append(("cuda", torch.get_num_threads()))
    header = "| model | size | MP | device | threads | load s | render s | ms/MP | peak RSS GiB |"
    if args.compare:
        header += " baseline/model |"
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for width, height in args.sizes:
        for device, threads in settings:
            results = {}
            for role, uri in models:
                job = {"model": uri, "size": [width, height], "threads": threads, "device": device,
                       "repeats": args.repeats, "types": args.types}
                results[role] = result = in_child("render", job)
                megapixels = width * height / 1e6
                memory = f"{result['rss_gib']:.2f}" + (f" (GPU {result['gpu_gib']:.2f})" if result["gpu_gib"] else "")
                row = (f"| {role} {uri or 'champion'} | {width}x{height} | {megapixels:.2f} | {device} | {threads} "
                       f"| {result['load_s']:.2f} | {result['render_s']:.3f} "
                       f"| {1000 * result['render_s'] / megapixels:.0f} | {memory} |")
                if args.compare:
                    ratio = results[role]["render_s"] / results["model"]["render_s"]
                    row += f" {ratio:.2f} |"
                print(row, flush=True)


def train_table(args: argparse.Namespace) -> None:
    print("\n| config | generator | G params M | px | batch | s/step | img/s | peak RSS GiB | device/threads |")
    print("|---|---|---|---|---|---|---|---|---|")
    for config in args.train:
        r = in_child("train", {"config": config, "overrides": [], "steps": args.train_steps, "warmup": 1})
        print(f"| {config} | {r['generator']} | {r['g_params']:.2f} | {r['size']} | {r['batch']} | {r['s_step']:.2f} "
              f"| {r['img_s']:.2f} | {r['memory_gib']:.2f} | {r['device']}/{r['threads']} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=None, help="generator URI (default renovate-net@champion)")
    parser.add_argument("--baseline", default="models:/renovate-net-baseline@champion", help="baseline URI")
    parser.add_argument("--compare", action="store_true", help="also time the baseline, with ratios")
    parser.add_argument("--type", dest="types", action="append", help="renovation type to render (repeatable; "
                        "default: facade-insulation and windows)")
    parser.add_argument("--sizes", nargs="+", type=parse_size, default=[(512, 512), (1024, 768), (4000, 3000)])
    parser.add_argument("--threads", nargs="+", type=int, default=[1, 2], help="CPU thread counts")
    parser.add_argument("--cpu-only", action="store_true", help="skip the GPU rows even where a GPU is present")
    parser.add_argument("--repeats", type=int, default=3, help="timed renders per row (after one warm-up)")
    parser.add_argument("--train", nargs="*", default=["configs/cpu.yaml", "configs/pix2pix-baseline.yaml"],
                        help="configs whose training speed to measure (none: skip)")
    parser.add_argument("--train-steps", type=int, default=4, help="timed training steps per config")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.types = args.types or REQUEST
    if args.child:
        kind, job = args.child
        print(json.dumps((render_child if kind == "render" else train_child)(json.loads(job))))
        return
    print(f"machine: {machine()}\nrequest: {' + '.join(args.types)}\n")
    render_table(args)
    if args.train:
        train_table(args)


if __name__ == "__main__":
    main()
