"""The generator trainer: end-to-end runs into a temporary MLflow store, checkpoints that round-trip and
resume exactly after an interruption, refusals (other catalog, other settings, existing run), the NaN
guard, and loading without unpickling."""
from __future__ import annotations

import pickle
from pathlib import Path

import mlflow
import pytest
import torch
from click.testing import CliRunner

from model_fixtures import write_manifest
from training_fixtures import registered_here, train_until_killed
from renovate_net.catalog import load_catalog
from renovate_net.cli import cli
from renovate_net.config import CONFIG_DIR, load_config
from renovate_net.engine import checkpoint as ckpt
from renovate_net.engine import gan_trainer
from renovate_net.engine.gan_data import make_datasets
from renovate_net.engine.gan_trainer import GANTrainer, train_generator
from renovate_net.engine.scaffold import resume_training, save_training_state, start_runtime
from renovate_net.engine.schedule import WarmupCosine
from renovate_net.engine.validation import batch_metrics
from renovate_net.errors import UserError
from renovate_net.models.store import CARD, load_model, save_model

SMOKE = CONFIG_DIR / "smoke.yaml"
# The smoke config made smaller still, so each run takes a few seconds.
TINY = ["data.image_size=64", "data.synthetic=6", "train.batch_size=2", "train.steps=4", "train.log_every=1",
        "train.val_every=2", "train.checkpoint_every=2", "train.warmup_steps=1", "model.pretrained=false",
        "model.decoder_channels=[32, 24, 16, 16, 8, 8]", "model.cond_dim=16", "model.ndf=8",
        "gan.val_samples=2"]


def tiny_config(tmp_path: Path, *extra: str):
    return load_config(SMOKE, [*TINY, f"out_dir={tmp_path / 'runs'}", *extra])


def test_cli_train_logs_and_registers_a_model_that_render_can_load(tmp_path):
    args = ["train", "--config", str(SMOKE)] + [a for o in [*TINY, f"out_dir={tmp_path}"] for a in ("--set", o)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output

    client = mlflow.MlflowClient()
    run = client.search_runs([client.get_experiment_by_name("renovate-net").experiment_id])[0]
    assert len(run.data.params) >= 5 and run.data.params["data.synthetic"] == "6"
    assert len([m for m in run.data.metrics if m.startswith("loss/")]) >= 4
    assert len([m for m in run.data.metrics if m.startswith("val/")]) >= 2
    assert [a.path for a in client.list_artifacts(run.info.run_id, "samples")] == [
        "samples/step_000002.png", "samples/step_000004.png"]

    folder = registered_here("models:/renovate-net-smoke@champion")
    assert "val/edit_l1" in (folder / CARD).read_text()
    model = load_model(folder, kind="generator")
    before = torch.rand(1, 3, 64, 64)
    with torch.no_grad():
        out = model(before, torch.zeros(1, 64, 64, dtype=torch.long), torch.zeros(1, 8),
                    torch.zeros(1, 8, dtype=torch.long), torch.zeros(1, 8, 3))
    assert torch.equal(out["after"], before)


@pytest.mark.slow
def test_smoke_config_as_shipped(tmp_path):
    metrics = train_generator(load_config(SMOKE, [f"out_dir={tmp_path}"]))
    assert {"val/edit_l1", "val/psnr", "val/preserve_max"} <= set(metrics)


def test_checkpoint_round_trip(tmp_path):
    config = tiny_config(tmp_path)
    from renovate_net.engine.synthetic_pairs import SyntheticPairs

    batch = torch.utils.data.default_collate([SyntheticPairs(2, 64, seed=0)[i] for i in range(2)])
    first = GANTrainer(config, start_runtime("cpu"))
    first.step(batch)
    save_training_state(tmp_path / "c.safetensors", first)

    torch.manual_seed(123)  # a differently initialised trainer
    second = GANTrainer(config, start_runtime("cpu"))
    resume_training(second, tmp_path / "c.safetensors")
    assert first.step_count == second.step_count == 1
    (t1, m1), (t2, m2) = first.state(), second.state()
    assert m1 == m2 and t1.keys() == t2.keys()
    for key in t1:
        assert torch.equal(t1[key], t2[key]), key
    assert first.step(batch) == second.step(batch)  # and they go on identically


def test_init_from_starts_the_generator_from_a_saved_model(tmp_path):
    first = GANTrainer(tiny_config(tmp_path), start_runtime("cpu"))
    name, kwargs = first.g_spec
    saved = save_model(tmp_path / "saved", first.G, "generator", name, kwargs)
    torch.manual_seed(123)  # a differently initialised network, then overwritten by init_from
    tuned = GANTrainer(tiny_config(tmp_path, f"model.init_from={saved}"), start_runtime("cpu"))
    for key, value in first.G.state_dict().items():
        assert torch.equal(tuned.G.state_dict()[key], value), key
        assert torch.equal(tuned.ema.module.state_dict()[key], value), key
    with pytest.raises(UserError, match="another architecture"):
        GANTrainer(tiny_config(tmp_path, f"model.init_from={saved}", "model.cond_dim=8"), start_runtime("cpu"))
    # Stage 3 of the shipped recipe: the same network, now told where added objects stand.
    placed = GANTrainer(tiny_config(tmp_path, f"model.init_from={saved}", "model.placement=true"), start_runtime("cpu"))
    additive = [t.index for t in load_catalog().types if t.kind == "additive"]
    assert placed.g_spec[1]["placed_types"] == additive and placed.G.uses_placement and not first.G.uses_placement
    from renovate_net.engine.synthetic_pairs import SyntheticPairs

    pairs = SyntheticPairs(8, 64, seed=0)
    batch = torch.utils.data.default_collate([pairs[i] for i in range(8)])
    assert batch["placement"].any()
    assert all(torch.isfinite(torch.tensor(v)) for v in placed.step(batch).values())
    # Stage 4: the same network, also shown a colour sketch of each added object.
    sketched = GANTrainer(tiny_config(tmp_path, f"model.init_from={saved}", "model.placement=true", "model.sketch=true"),
                          start_runtime("cpu"))
    assert sketched.g_spec[1]["sketch_blur"] == 1.5 and sketched.G.uses_sketch and not placed.G.uses_sketch
    assert all(torch.isfinite(torch.tensor(v)) for v in sketched.step(batch).values())


def test_resume_after_interruption_is_exact(tmp_path, monkeypatch):
    whole = tiny_config(tmp_path / "a")
    train_generator(whole)

    interrupted = tiny_config(tmp_path / "b")
    train_until_killed(monkeypatch, GANTrainer, lambda: train_generator(interrupted))
    folder = gan_trainer.run_folder(interrupted)
    assert ckpt.load_checkpoint(folder)[1]["step"] == 2
    train_generator(interrupted, resume=str(folder))

    a, meta_a = ckpt.load_checkpoint(gan_trainer.run_folder(whole))
    b, meta_b = ckpt.load_checkpoint(folder)
    assert meta_a["step"] == meta_b["step"] == 4 and meta_a["schedG"] == meta_b["schedG"]
    assert a.keys() == b.keys()
    for key in a:  # weights, EMA, optimizer moments, RNG states: bit-identical
        assert torch.equal(a[key], b[key]), key


def test_resume_refuses_other_settings_and_a_fresh_run_refuses_an_existing_folder(tmp_path):
    config = tiny_config(tmp_path, "train.steps=2")
    train_generator(config)
    folder = gan_trainer.run_folder(config)
    with pytest.raises(UserError, match="train.lr"):
        train_generator(tiny_config(tmp_path, "train.steps=2", "train.lr=0.001"), resume=str(folder))
    with pytest.raises(UserError, match="--resume"):
        train_generator(config)
    with pytest.raises(UserError, match="no such checkpoint"):
        train_generator(config, resume=str(tmp_path / "nowhere"))


def _other_catalog(tmp_path):
    text = (Path(load_catalog.__code__.co_filename).parent / "renovations.yaml").read_text()
    path = tmp_path / "other.yaml"
    path.write_text(text.replace("#EEEBE3", "#EEEBE4"))  # one reference colour changed
    other = load_catalog(path)
    assert other.fingerprint != load_catalog().fingerprint
    return other


def test_checkpoint_and_model_from_another_catalog_are_refused(tmp_path, monkeypatch):
    config = tiny_config(tmp_path, "train.steps=1")
    train_generator(config)
    folder = gan_trainer.run_folder(config)
    other = _other_catalog(tmp_path)
    monkeypatch.setattr(ckpt, "load_catalog", lambda: other)
    monkeypatch.setattr("renovate_net.models.store.load_catalog", lambda: other)
    with pytest.raises(UserError, match="catalog"):
        ckpt.load_checkpoint(folder)
    with pytest.raises(UserError, match="catalog"):
        load_model(folder / "model", kind="generator")


def test_loading_never_unpickles(tmp_path, monkeypatch):
    config = tiny_config(tmp_path, "train.steps=1")
    train_generator(config)
    folder = gan_trainer.run_folder(config)

    def refuse(*args, **kwargs):
        raise AssertionError("something tried to unpickle")

    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, name, refuse)
    monkeypatch.setattr(torch, "load", refuse)
    tensors, meta = ckpt.load_checkpoint(folder)
    assert meta["step"] == 1 and any(key.startswith("optG/") for key in tensors)
    load_model(folder / "model", kind="generator")


def test_non_finite_loss_stops_with_a_clear_message(tmp_path, monkeypatch):
    real = gan_trainer.generator_losses

    def poisoned(*args, **kwargs):
        losses = real(*args, **kwargs)
        losses["loss/g_l1"] = losses["loss/g_l1"] * float("nan")
        return losses

    monkeypatch.setattr(gan_trainer, "generator_losses", poisoned)
    with pytest.raises(UserError, match=r"diverged at step 1: loss/g_l1=nan.*train\.lr"):
        train_generator(tiny_config(tmp_path))


def test_trains_from_manifests_and_refuses_shared_source_photos(tmp_path):
    train = write_manifest(tmp_path / "train", 4, 64, seed=0, source_prefix="train")
    val = write_manifest(tmp_path / "val", 2, 64, seed=1, source_prefix="val")
    metrics = train_generator(tiny_config(tmp_path, "data.synthetic=0", "train.steps=2",
                                          f"data.train_manifest={train}", f"data.val_manifest={val}"))
    assert 0 <= metrics["val/edit_l1"] <= 1
    extra = write_manifest(tmp_path / "extra", 3, 64, seed=3, source_prefix="extra")
    both, _, description = make_datasets(tiny_config(tmp_path, "data.synthetic=0", f"data.train_manifest={train}",
                                                     f"data.extra_train_manifests=[{extra}]",
                                                     f"data.val_manifest={val}"))
    assert len(both) == 4 + 3 and str(extra) in description
    leaky = write_manifest(tmp_path / "leaky", 2, 64, seed=2, source_prefix="train")
    with pytest.raises(UserError, match="held-out"):
        train_generator(tiny_config(tmp_path, "data.synthetic=0", f"data.train_manifest={train}",
                                    f"data.val_manifest={leaky}", "run_name=leaky"))
    with pytest.raises(UserError, match="data.train_manifest"):
        train_generator(tiny_config(tmp_path, "data.synthetic=0", "run_name=nodata"))


def test_warmup_cosine_schedule():
    schedule = WarmupCosine(warmup=10, total=110, min_ratio=0.05)
    assert schedule(0) == pytest.approx(0.1) and schedule(9) == pytest.approx(1.0)
    assert schedule(10) == pytest.approx(1.0) and schedule(60) == pytest.approx(0.525)
    assert schedule(110) == pytest.approx(0.05) and schedule(500) == pytest.approx(0.05)


def test_validation_metrics_of_a_perfect_output():
    before, target = torch.rand(2, 3, 32, 32), torch.rand(2, 3, 32, 32)
    mask = torch.zeros(2, 1, 32, 32)
    mask[..., 8:24, 8:24] = 1
    target = mask * target + (1 - mask) * before
    batch = {"before": before, "after": target, "edit_mask": mask}
    perfect = batch_metrics({"after": target, "alpha": mask}, batch)
    assert (perfect["val/edit_l1"] == 0).all() and (perfect["val/preserve_max"] == 0).all()
    assert (perfect["val/alpha_iou"] == 1).all() and (perfect["val/edit_psnr"] == 100).all()
    identity = batch_metrics({"after": before, "alpha": torch.zeros_like(mask)}, batch)
    assert (identity["val/edit_l1"] > 0.1).all() and (identity["val/alpha_iou"] == 0).all()
