"""Both trainers under `torchrun --nproc_per_node 2` on the CPU (DistributedDataParallel over gloo): the run
finishes, rank 0 alone logs (one MLflow run, each step logged once), checkpoints and registers (one version),
and the run records that two processes trained it."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import mlflow

from renovate_net.engine import checkpoint as ckpt
from renovate_net.tracking import tracking_uri
from test_segmenter_training import segmentation_data
from test_segmenter_training import tiny_config as tiny_segmenter_config
from test_trainer import tiny_config as tiny_generator_config
from training_fixtures import registered_here

ROOT = Path(__file__).resolve().parent.parent


def torchrun_train(config, tmp_path: Path) -> None:
    """`renovate-net train` on the config, as two torchrun processes on this machine."""
    path = tmp_path / "config.yaml"
    path.write_text(config.to_yaml())
    env = {**os.environ, "OMP_NUM_THREADS": "1",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
               "-m", "renovate_net", "train", "--config", str(path)]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-6000:]


def only_run(experiment: str):
    # this test's store: mlflow's own default may still be an earlier test's
    client = mlflow.MlflowClient(tracking_uri=tracking_uri(), registry_uri=tracking_uri())
    runs = client.search_runs([client.get_experiment_by_name(experiment).experiment_id])
    assert len(runs) == 1  # rank 1 logs nothing
    return client, runs[0]


def assert_one_run_of_two_processes(experiment: str, loss: str, validation: str, model: str, folder: Path) -> None:
    """One MLflow run that records two processes and logs each of the 4 steps once, validated, checkpointed at
    step 4, and registered once as `model` in this test's store."""
    client, run = only_run(experiment)
    assert run.data.params["processes"] == "2"
    assert [m.step for m in client.get_metric_history(run.info.run_id, loss)] == [1, 2, 3, 4]
    assert validation in run.data.metrics
    assert [v.version for v in client.search_model_versions(f"name='{model}'")] == [1]
    assert ckpt.load_checkpoint(folder)[1]["step"] == 4
    assert (registered_here(f"models:/{model}@champion") / "weights.safetensors").exists()


def test_generator_under_torchrun(tmp_path):
    config = tiny_generator_config(tmp_path)
    torchrun_train(config, tmp_path)
    assert_one_run_of_two_processes("renovate-net", "loss/g_total", "val/edit_l1", "renovate-net-smoke",
                                    tmp_path / "runs" / "smoke")


def test_segmenter_under_torchrun(tmp_path, rng):
    root, pseudo = segmentation_data(tmp_path, rng)
    config = tiny_segmenter_config(tmp_path, root, pseudo, 4)
    torchrun_train(config, tmp_path)
    assert_one_run_of_two_processes("facade-segmenter", "loss/ce", "val/miou", "facade-segmenter",
                                    tmp_path / "runs" / "tiny")
