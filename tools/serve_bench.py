"""Load test of `renovate-net serve` on this machine: latency, throughput, status codes and the server's memory.

    python tools/serve_bench.py                          # starts a server on 127.0.0.1 (workers 1, queue 8)
    python tools/serve_bench.py --clients 8 --renders 5 --overload-clients 24
    python tools/serve_bench.py --url http://127.0.0.1:8000/ --pid 1234   # a server already running here

Two runs against one server: "steady", fewer clients than the queue has places, where every render should
answer 200; "overload", more clients than places, where the surplus must get 503 with Retry-After at once,
not a crash, a 5xx or memory that grows with the crowd. Each client renders the README example photo
(facade-insulation + windows) `--renders` times in a row; every loop is bounded in count and in time.
Peak memory is the server process's own (VmHWM from /proc; RSS sampled during each run). Only loopback
addresses are ever targeted. Exits 1 if any answer was a 5xx other than 503, or a request failed outright.
"""
from __future__ import annotations

import argparse
import collections
import contextlib
import re
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterator
from urllib.parse import urlparse

import httpx

EXAMPLE = Path(__file__).resolve().parent / "examples" / "house.jpg"
TYPES = ("facade-insulation", "windows")
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
REQUEST_TIMEOUT_S = 180.0


def ready(url: str) -> bool:
    """True once /healthz answers 200 (the models are loaded)."""
    try:
        return httpx.get(url + "healthz", timeout=10).status_code == 200
    except httpx.TransportError:
        return False


@contextlib.contextmanager
def local_server(workers: int = 1, queue: int = 8, ready_within_s: float = 120.0) -> Iterator[tuple[str, int]]:
    """Start `renovate-net serve --port 0` on 127.0.0.1, wait until /healthz is 200; yields (url, pid)."""
    command = [sys.executable, "-m", "renovate_net", "serve", "--port", "0",
               "--workers", str(workers), "--queue", str(queue)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    log: collections.deque[str] = collections.deque(maxlen=40)
    try:
        url = None
        for line in process.stdout:
            log.append(line)
            if match := re.search(r"(http://127\.0\.0\.1:\d+/)", line):
                url = match.group(1)
                break
        if url is None:
            raise RuntimeError("the server did not start:\n" + "".join(log))
        threading.Thread(target=lambda: log.extend(process.stdout), daemon=True).start()  # keep the pipe drained
        deadline = time.monotonic() + ready_within_s
        while not ready(url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the server never became ready:\n" + "".join(log))
            time.sleep(0.5)
        yield url, process.pid
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()


def memory_mb(pid: int | None, field: str) -> float | None:
    """VmRSS (now) or VmHWM (peak since start) of a process, in MB; None where /proc cannot tell."""
    if pid is None:
        return None
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    match = re.search(rf"^{field}:\s+(\d+) kB", status, re.MULTILINE)
    return int(match.group(1)) / 1024 if match else None


class Sampler:
    """Samples the server's RSS every 0.2 s while a run lasts, keeping the highest."""

    def __init__(self, pid: int | None):
        self.pid, self.peak, self._stop = pid, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.2):
            self.peak = max(self.peak, memory_mb(self.pid, "VmRSS") or 0.0)

    def __enter__(self) -> "Sampler":
        self._thread.start()
        return self

    def __exit__(self, *_) -> None:
        self._stop.set()
        self._thread.join()


def client(url: str, photo: bytes, renders: int, deadline: float) -> list[tuple[int, float]]:
    """One client: up to `renders` renders in a row, none started after `deadline`; (status, seconds) each,
    status 0 for a request that failed without an answer."""
    results = []
    files = [("photo", ("house.jpg", photo, "image/jpeg"))] + [("type", (None, t)) for t in TYPES]
    with httpx.Client(timeout=REQUEST_TIMEOUT_S) as session:
        for _ in range(renders):
            if time.monotonic() > deadline:
                break
            started = time.perf_counter()
            try:
                status = session.post(url + "api/render", files=files).status_code
            except httpx.HTTPError:
                status = 0
            results.append((status, time.perf_counter() - started))
    return results


def quantile(values: list[float], q: float) -> float:
    """The q-quantile of sorted values (nearest rank); NaN for none."""
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


def run(name: str, url: str, pid: int | None, clients: int, renders: int, limit_s: float, photo: bytes) -> dict:
    deadline = time.monotonic() + limit_s
    started = time.perf_counter()
    with Sampler(pid) as sampler, ThreadPoolExecutor(clients) as pool:
        futures = [pool.submit(client, url, photo, renders, deadline) for _ in range(clients)]
        results = [result for future in futures for result in future.result()]
    wall = time.perf_counter() - started
    ok = sorted(seconds for status, seconds in results if status == 200)
    refused = sorted(seconds for status, seconds in results if status == 503)
    return {"run": name, "clients": clients, "renders": renders, "statuses": collections.Counter(s for s, _ in results),
            "p50": statistics.median(ok) if ok else float("nan"), "p95": quantile(ok, 0.95),
            "refused_p95": quantile(refused, 0.95), "throughput": len(ok) / wall, "wall": wall,
            "peak_rss": sampler.peak or None}


def table(rows: list[dict], peak_hwm: float | None, server: str) -> str:
    lines = [f"server: {server}; photo {EXAMPLE.name}, types {' + '.join(TYPES)}", "",
             "| run | clients x renders | 200 | 503 | other | p50 s (200) | p95 s (200) | p95 s (503) | renders/s "
             "| wall s | server peak RSS MB |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        statuses = row["statuses"]
        other = {k: v for k, v in statuses.items() if k not in (200, 503)}
        rss = f"{row['peak_rss']:.0f}" if row["peak_rss"] else "n/a"
        lines.append(f"| {row['run']} | {row['clients']} x {row['renders']} | {statuses.get(200, 0)} | "
                     f"{statuses.get(503, 0)} | {dict(other) or 0} | {row['p50']:.2f} | {row['p95']:.2f} | "
                     f"{row['refused_p95']:.3f} | {row['throughput']:.2f} | {row['wall']:.1f} | {rss} |")
    lines.append("")
    lines.append(f"server peak RSS over both runs (VmHWM): {peak_hwm:.0f} MB" if peak_hwm else
                 "server peak RSS over both runs: n/a (give --pid of a local server)")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="A server already running on this machine (loopback only).")
    parser.add_argument("--pid", type=int, help="Its process id, for its memory.")
    parser.add_argument("--workers", type=int, default=1, help="For the server this tool starts.")
    parser.add_argument("--queue", type=int, default=8, help="For the server this tool starts.")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--renders", type=int, default=5, help="Renders per client.")
    parser.add_argument("--overload-clients", type=int, default=24)
    parser.add_argument("--overload-renders", type=int, default=3)
    parser.add_argument("--limit-s", type=float, default=240.0, help="No render starts later than this in a run.")
    args = parser.parse_args()
    if args.url and urlparse(args.url).hostname not in LOOPBACK:
        parser.error("--url must be a loopback address (127.0.0.1, localhost or [::1]): this tool loads only this machine")
    photo = EXAMPLE.read_bytes()
    with contextlib.ExitStack() as stack:
        url, pid = (args.url.rstrip("/") + "/", args.pid) if args.url else \
            stack.enter_context(local_server(args.workers, args.queue))
        rows = [run("steady", url, pid, args.clients, args.renders, args.limit_s, photo),
                run("overload", url, pid, args.overload_clients, args.overload_renders, args.limit_s, photo)]
        peak = memory_mb(pid, "VmHWM")
    server = f"{args.url}" if args.url else f"renovate-net serve --workers {args.workers} --queue {args.queue}"
    print(table(rows, peak, server))
    failed = sum(v for row in rows for k, v in row["statuses"].items() if k == 0 or (k >= 500 and k != 503))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
