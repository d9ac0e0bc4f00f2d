"""MLflow tracking and model registry: the only module that imports mlflow.

The store is `MLFLOW_TRACKING_URI` if set, else `sqlite:///<project>/mlruns/mlflow.db` with artifacts
beside it, so the models committed in `mlruns/` load from a fresh clone anywhere, without network.
A `models:/` URI is looked up in the user's store first and in the project's shipped store after it, so
the shipped models stay reachable for a user who tracks runs elsewhere; the `renovate_net` logger says
which store answered.
"""
from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import warnings
from pathlib import Path
from typing import Any, Iterator, Mapping
from urllib.parse import unquote, urlparse

import numpy as np

from renovate_net.errors import UserError

PROJECT_MLRUNS = Path(__file__).resolve().parent.parent / "mlruns"
PROJECT_URI = f"sqlite:///{PROJECT_MLRUNS / 'mlflow.db'}"
CHAMPION = "champion"
log = logging.getLogger("renovate_net")


class ModelNotFound(UserError):
    """A registry URI that a store does not hold."""


def tracking_uri() -> str:
    return os.environ.get("MLFLOW_TRACKING_URI") or PROJECT_URI


def store_dir(uri: str | None = None) -> Path | None:
    """The folder holding a store (default: the tracking store), or None for remote stores."""
    uri = uri or tracking_uri()
    if uri.startswith("sqlite:///"):
        return Path(uri[len("sqlite:///"):]).resolve().parent
    if uri.startswith("file:") or "://" not in uri:
        return Path(urlparse(uri).path if uri.startswith("file:") else uri).resolve()
    return None


def _mlflow(uri: str | None = None):
    """Import mlflow configured for a store, default the tracking store (quietly: its import-time chatter is
    not for users)."""
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import mlflow
    for name in ("mlflow", "alembic"):  # store set-up chatter (INFO) is not for users
        logging.getLogger(name).setLevel(logging.WARNING)
    uri = uri or tracking_uri()
    folder = store_dir(uri)
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    return mlflow


class Run:
    """One MLflow run: params, metrics, images, files, and the model folder with its registration."""

    def __init__(self, mlflow, run):
        self._mlflow = mlflow
        self.id = run.info.run_id

    def log_params(self, params: Mapping[str, Any]) -> None:
        items = {k: str(v)[:6000] for k, v in params.items()}
        keys = list(items)
        for start in range(0, len(keys), 100):  # MLflow takes at most 100 params a batch
            self._mlflow.log_params({k: items[k] for k in keys[start:start + 100]})

    def log_metrics(self, metrics: Mapping[str, float], step: int | None = None) -> None:
        clean = {k.replace("@", "_"): float(v) for k, v in metrics.items() if np.isfinite(float(v))}
        self._mlflow.log_metrics(clean, step=step)

    def log_text(self, text: str, name: str) -> None:
        self._mlflow.log_text(text, name)

    def log_image(self, image: np.ndarray, name: str) -> None:
        self._mlflow.log_image(image, name)

    def log_file(self, path: str | Path, folder: str | None = None) -> None:
        self._mlflow.log_artifact(str(path), folder)

    def log_model_folder(self, folder: str | Path, artifact_path: str = "model") -> str:
        """Copy a model folder (see models/store.py) into the run; returns its artifact URI."""
        self._mlflow.log_artifacts(str(folder), artifact_path)
        return f"{self._mlflow.get_artifact_uri(artifact_path)}"

    def register(self, model_uri: str, name: str, alias: str | None = CHAMPION,
                 tags: Mapping[str, str] | None = None, description: str = "") -> int:
        """Register the logged model folder as a new version of `name`; point `alias` at it."""
        client = self._mlflow.MlflowClient()
        with contextlib.suppress(self._mlflow.exceptions.MlflowException):
            client.create_registered_model(name)
        version = client.create_model_version(name, source=model_uri, run_id=self.id,
                                              tags=dict(tags or {}), description=description)
        if alias:
            client.set_registered_model_alias(name, alias, version.version)
        return int(version.version)


@contextlib.contextmanager
def start_run(experiment: str, run_name: str | None = None) -> Iterator[Run]:
    """Start (and always end) a run in `experiment`, creating it with artifacts beside the store."""
    mlflow = _mlflow()
    if mlflow.get_experiment_by_name(experiment) is None:
        folder = store_dir()
        location = (folder / experiment).as_uri() if folder is not None else None
        mlflow.create_experiment(experiment, artifact_location=location)
    mlflow.set_experiment(experiment)
    with mlflow.start_run(run_name=run_name) as run:
        yield Run(mlflow, run)


def _local_path(uri: str, store: str) -> Path:
    """An artifact URI -> a local folder. A store committed and cloned elsewhere is found again by the path
    relative to the store, and that copy comes first: another checkout at the recorded absolute path may hold
    other files."""
    path = Path(unquote(urlparse(uri).path)) if uri.startswith("file:") else Path(uri)
    folder = store_dir(store)
    inside = [] if folder is None else [folder.joinpath(*path.parts[start:]) for start in range(1, len(path.parts))]
    same_name = [c for c, start in zip(inside, range(1, len(path.parts))) if path.parts[start - 1] == folder.name]
    for candidate in [*same_name, path, *inside]:
        if candidate.exists():
            return candidate
    raise UserError(f"model files not found at {uri}; is mlruns/ complete? (git lfs / a full clone)")


def resolve_model(uri: str) -> Path:
    """`models:/NAME@ALIAS`, `models:/NAME/VERSION`, `runs:/RUN/PATH` or a local model folder -> local folder.
    A `models:/` URI that the user's store (MLFLOW_TRACKING_URI) does not hold comes from the shipped store."""
    if Path(uri).is_dir():
        return Path(uri)
    if not uri.startswith(("models:/", "runs:/")):
        raise UserError(f"model {uri!r} is neither a folder nor a URI; use models:/renovate-net@champion "
                        "or a model folder")
    user = tracking_uri()
    if user == PROJECT_URI:
        return _resolve_in(uri, PROJECT_URI)
    try:
        folder = _resolve_in(uri, user)
    except ModelNotFound:
        if not uri.startswith("models:/"):
            raise
        folder = _resolve_in(uri, PROJECT_URI)
        log.info("%s is not in MLFLOW_TRACKING_URI's registry (%s): using the shipped model in %s",
                 uri, user, PROJECT_MLRUNS)
        return folder
    log.info("%s from MLFLOW_TRACKING_URI's registry (%s)", uri, user)
    return folder


def _resolve_in(uri: str, store: str) -> Path:
    """A registry or run URI resolved in one store; ModelNotFound when that store does not hold it."""
    name, at, alias = uri[len("models:/"):].partition("@")
    if uri.startswith("models:/") and (source := _sqlite_registry_source(name, alias if at else None, store)):
        return _local_path(source, store)
    mlflow = _mlflow(store)
    client = mlflow.MlflowClient()
    try:
        if uri.startswith("runs:/"):
            run_id, _, artifact = uri[len("runs:/"):].partition("/")
            return _local_path(f"{client.get_run(run_id).info.artifact_uri}/{artifact}", store)
        if at:
            version = client.get_model_version_by_alias(name, alias)
        else:
            name, _, number = name.partition("/")
            version = client.get_model_version(name, number)
    except mlflow.exceptions.MlflowException as error:
        raise ModelNotFound(f"model {uri!r} not found in {store} ({str(error).splitlines()[0][:160]}); "
                            "train one with `renovate-net train` or set MLFLOW_TRACKING_URI") from None
    return _local_path(version.source, store)


def _sqlite_registry_source(name: str, alias: str | None, uri: str) -> str | None:
    """A registered version's source read straight from the sqlite store, without importing mlflow (about
    2 s of every CLI call). `name` is NAME (with `alias`) or NAME/VERSION. None: not found this way."""
    database = Path(uri[len("sqlite:///"):]) if uri.startswith("sqlite:///") else None
    if database is None or not database.is_file():
        return None
    if alias is None:
        name, _, version = name.partition("/")
        if not version.isdigit():
            return None
    try:
        with contextlib.closing(sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True)) as db:
            if alias is not None:
                row = db.execute("SELECT version FROM registered_model_aliases WHERE name = ? AND alias = ?",
                                 (name, alias)).fetchone()
                if row is None:
                    return None
                version = row[0]
            row = db.execute("SELECT source FROM model_versions WHERE name = ? AND version = ?",
                             (name, int(version))).fetchone()
    except sqlite3.Error:  # another schema or a locked store: mlflow's own client answers
        return None
    return row[0] if row else None


def champion_uri(name: str) -> str:
    return f"models:/{name}@{CHAMPION}"
