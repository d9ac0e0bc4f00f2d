"""A bounded render queue: N worker threads, a fixed number of places, a time limit per request.

Renders are CPU-bound for about a second and torch releases the GIL while it computes, so they run in a
thread pool and the event loop keeps answering (/healthz, the page, refusals) meanwhile. A request takes a
place when it arrives, before its upload is read, and gives it back when its render has finished (or
failed, or been refused): so at most `workers + queue` uploads are ever held in memory, and a client that
finds every place taken gets 503 with Retry-After at once instead of waiting without bound.

The time limit counts from the moment the render is handed to the pool (queue wait plus render). A render
still waiting when it runs out is cancelled; one already running cannot be stopped (Python threads cannot be
killed), so its place stays taken until it ends, which keeps the bound on concurrent renders true.
"""
from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable, Iterator, TypeVar

from renovate_net.serve.errors import busy

T = TypeVar("T")
FIRST_ESTIMATE_S = 2.0   # a render's duration until one has been measured (about 1 s for a phone photo on 2 cores)


class Place:
    """One taken place in the queue; `RenderQueue.run` hands it over to the render it starts."""

    def __init__(self) -> None:
        self.handed_over = False


class RenderQueue:
    """Runs render jobs on `workers` threads with at most `workers + queue` requests admitted at once."""

    def __init__(self, workers: int = 1, queue: int = 8, time_limit_s: float = 120.0):
        if workers < 1 or queue < 0 or time_limit_s <= 0:
            raise ValueError(f"bad queue settings: workers={workers}, queue={queue}, time_limit_s={time_limit_s}")
        self.workers, self.capacity, self.time_limit_s = workers, workers + queue, time_limit_s
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="render")
        self._lock = threading.Lock()
        self._taken = 0
        self._mean_s = FIRST_ESTIMATE_S
        self._measured = False

    @property
    def taken(self) -> int:
        """Places taken now: requests being uploaded, waiting or rendering."""
        return self._taken

    def retry_after_s(self) -> float:
        """A fair wait before trying again: the renders ahead, spread over the workers, at their mean duration."""
        rounds = -(-max(self._taken, 1) // self.workers)
        return rounds * self._mean_s

    @contextlib.contextmanager
    def place(self) -> Iterator[Place]:
        """Take a place for one request or raise a 503 ApiError; the place is freed on leaving the block
        unless a render was started with it (then the render frees it when it ends)."""
        with self._lock:
            if self._taken >= self.capacity:
                raise busy(f"the server is busy ({self.capacity} renders in progress or waiting); "
                           "try again in a moment", self.retry_after_s())
            self._taken += 1
        place = Place()
        try:
            yield place
        finally:
            if not place.handed_over:
                self._free()

    async def run(self, place: Place, job: Callable[[], T]) -> T:
        """Run `job` on a worker thread within the time limit; its exceptions propagate unchanged."""
        if place.handed_over:
            raise RuntimeError("a place runs one render")
        future: Future = self._executor.submit(self._timed, job)
        place.handed_over = True
        future.add_done_callback(lambda _: self._free())
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), self.time_limit_s)
        except asyncio.TimeoutError:
            future.cancel()  # only succeeds while it still waits; a running render finishes on its own
            raise busy(f"the render took longer than the {self.time_limit_s:g} s limit; try again later, "
                       "or send a smaller photo", self.retry_after_s()) from None

    def _timed(self, job: Callable[[], T]) -> T:
        started = time.perf_counter()
        try:
            return job()
        finally:
            took = time.perf_counter() - started
            with self._lock:  # a running mean over about the last ten renders
                self._mean_s = self._mean_s + (took - self._mean_s) * 0.1 if self._measured else took
                self._measured = True

    def _free(self) -> None:
        with self._lock:
            self._taken -= 1

    def shutdown(self) -> None:
        """Stop taking renders; waiting ones are cancelled, running ones end in their threads."""
        self._executor.shutdown(wait=False, cancel_futures=True)
