"""Helpers shared by the trainer tests (imported by name: pytest puts tests/ on sys.path)."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from renovate_net.tracking import PROJECT_MLRUNS, resolve_model


class Interrupted(Exception):
    """Stands for the process being killed."""


def train_until_killed(monkeypatch, trainer_class, train: Callable[[], object], after_step: int = 2) -> None:
    """Run `train()` with `trainer_class.step` dying once `after_step` steps (and their checkpoint) are done, as a
    `kill -9` would; the real step is restored afterwards."""
    real_step = trainer_class.step

    def dies(self, batch):
        if self.step_count == after_step:
            raise Interrupted
        return real_step(self, batch)

    monkeypatch.setattr(trainer_class, "step", dies)
    with pytest.raises(Interrupted):
        train()
    monkeypatch.setattr(trainer_class, "step", real_step)


def registered_here(uri: str) -> Path:
    """The model folder of `uri` in the test's own store: a model the test did not register would otherwise be
    found among the project's shipped models (the registry's fallback), so the check makes sure it was not."""
    folder = resolve_model(uri)
    assert not folder.resolve().is_relative_to(PROJECT_MLRUNS), f"{uri} came from the shipped models"
    return folder
