"""Shared fixtures: tiny generated images and an isolated MLflow store (tests never touch the repo's mlruns/)."""
from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture(autouse=True)
def isolated_mlflow(tmp_path_factory, monkeypatch):
    store = tmp_path_factory.mktemp("mlruns")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{store / 'mlflow.db'}")
    return store


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)
