"""The training-run scaffold (engine/scaffold.py) and the schedule both trainers share (engine/schedule.py):
the cadence, the settings a resumed run may change, the device refusal, publishing under one card name, and
the warm-up + cosine schedule over several param groups."""
from __future__ import annotations

import json

import pytest
import torch

from renovate_net.config import load_config
from renovate_net.engine.scaffold import MAY_CHANGE_ON_RESUME, Release, due_at, publish, start_runtime
from renovate_net.engine.schedule import WarmupCosine, load_scheduler_state, scheduler_state, warmup_cosine
from renovate_net.errors import UserError
from renovate_net.models.store import CARD, SPEC
from renovate_net.tracking import resolve_model, start_run


def test_cadence_of_logging_validation_and_checkpoints():
    train = load_config(None, ["train.steps=10", "train.log_every=2", "train.val_every=5",
                               "train.checkpoint_every=4"]).train
    due = {step: due_at(step, train) for step in range(1, 11)}
    assert [s for s, d in due.items() if d.log] == [2, 4, 6, 8, 10]
    assert [s for s, d in due.items() if d.validate] == [5, 10]
    assert [s for s, d in due.items() if d.checkpoint] == [4, 8, 10]  # and always at the final step


def test_settings_a_resumed_run_may_change_are_config_keys():
    assert MAY_CHANGE_ON_RESUME <= set(load_config().flat())
    assert not MAY_CHANGE_ON_RESUME & {"seed", "train.lr", "train.steps", "train.batch_size"}


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without a CUDA GPU")
def test_cuda_without_a_gpu_is_refused_naming_the_fix():
    with pytest.raises(UserError, match="--set device=cpu"):
        start_runtime("cuda")
    assert start_runtime("auto").device.type == "cpu" and start_runtime("cpu").main


def test_publish_saves_the_card_under_one_name_and_registers(tmp_path):
    release = Release(torch.nn.Linear(2, 2), "segmenter", "fpn_lite0", {"num_classes": 2}, {"working_size": 64},
                      "# a card\n", "a test network", {"miou": "0.5000"}, half=True)
    with start_run("scaffold-test") as run:
        folder = publish(run, tmp_path / "model", release, "seed: 0\n", "scaffold-test", "champion")
    assert (folder / CARD).read_text() == "# a card\n"
    registered = resolve_model("models:/scaffold-test@champion")
    assert (registered / CARD).read_text() == "# a card\n"
    assert json.loads((registered / SPEC).read_text())["working_size"] == 64


def test_warmup_cosine_over_two_groups_keeps_their_ratio_and_resumes():
    factor = WarmupCosine(warmup=3, total=10, min_ratio=0.1)
    params = [torch.nn.Parameter(torch.zeros(1)), torch.nn.Parameter(torch.zeros(1))]
    optimizer = torch.optim.AdamW([{"params": [params[0]], "lr": 0.5e-3}, {"params": [params[1]], "lr": 1e-3}])
    schedule = warmup_cosine(optimizer, 3, 10, 0.1)
    used = []
    for _ in range(12):
        used.append([group["lr"] for group in optimizer.param_groups])
        optimizer.step()
        schedule.step()
    # optimizer step k runs at base lr x factor(k): the segmenter's former hand-written schedule
    assert used == [[0.5e-3 * factor(k), 1e-3 * factor(k)] for k in range(12)]

    state = json.loads(json.dumps(scheduler_state(schedule)))  # checkpoints keep it as JSON
    again = torch.optim.AdamW([{"params": [params[0]], "lr": 0.5e-3}, {"params": [params[1]], "lr": 1e-3}])
    resumed = warmup_cosine(again, 3, 10, 0.1)
    again.load_state_dict(optimizer.state_dict())
    load_scheduler_state(resumed, state)
    resumed.step()
    schedule.step()
    assert [g["lr"] for g in again.param_groups] == [g["lr"] for g in optimizer.param_groups]
