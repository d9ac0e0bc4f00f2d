import pytest
import yaml

from renovate_net.config import CONFIG_DIR, Config, load_config
from renovate_net.errors import UserError

BASE = {
    "task": "generator",
    "seed": 0,
    "train": {"steps": 100, "lr": 2.0e-4, "amp": True, "sizes": [256, 512]},
    "model": {"name": "attention_unet", "width": None},
}


@pytest.fixture
def base(tmp_path):
    path = tmp_path / "base.yaml"
    path.write_text(yaml.safe_dump(BASE))
    return path


def experiment(tmp_path, data) -> str:
    path = tmp_path / "exp.yaml"
    path.write_text(yaml.safe_dump(data))
    return str(path)


def test_layers_base_experiment_overrides(tmp_path, base):
    config = load_config(experiment(tmp_path, {"train": {"steps": 500}, "seed": 3}),
                         ["train.steps=700", "train.lr=1e-3"], base_path=base)
    assert config.train.steps == 700  # override beats the experiment file
    assert config.seed == 3  # experiment file beats base
    assert config.train.lr == 1e-3  # YAML reads 1e-3 as a string; accepted as the float meant
    assert config.train.amp is True  # untouched keys keep base values
    assert config.task == "generator"


def test_int_accepted_for_float_and_null_accepts_anything(base):
    config = load_config(None, ["train.lr=1", "model.width=64"], base_path=base)
    assert config.train.lr == 1.0 and isinstance(config.train.lr, float)
    assert config.model.width == 64


def test_lists(base):
    assert load_config(None, ["train.sizes=[128, 256]"], base_path=base).train.sizes == (128, 256)


@pytest.mark.parametrize("override, message", [
    ("train.stpes=5", "unknown config key 'train.stpes'; did you mean 'train.steps'"),
    ("trian.steps=5", "unknown config key 'trian'"),
    ("train.steps=many", "config key 'train.steps' takes a int, got 'many'"),
    ("train.amp=1", "takes true or false"),
    ("train=3", "is a section"),
    ("steps", "bad override 'steps'; use --set key=value"),
])
def test_bad_overrides(base, override, message):
    with pytest.raises(UserError, match=message):
        load_config(None, [override], base_path=base)


def test_unknown_key_in_experiment_file(tmp_path, base):
    with pytest.raises(UserError, match="did you mean 'seed'"):
        load_config(experiment(tmp_path, {"sead": 1}), base_path=base)


def test_missing_and_invalid_files(tmp_path, base):
    with pytest.raises(UserError, match="no such config file"):
        load_config(tmp_path / "nope.yaml", base_path=base)
    bad = tmp_path / "bad.yaml"
    bad.write_text("train: [unclosed")
    with pytest.raises(UserError, match="invalid YAML"):
        load_config(bad, base_path=base)
    bad.write_text("- a list")
    with pytest.raises(UserError, match="must be a mapping"):
        load_config(bad, base_path=base)


def test_frozen_and_serialisable(base):
    config = load_config(None, base_path=base)
    with pytest.raises(AttributeError, match="frozen"):
        config.seed = 1
    with pytest.raises(TypeError):
        config.train["steps"] = 1
    assert config.flat()["train.steps"] == 100
    assert Config(yaml.safe_load(config.to_yaml())).to_dict() == config.to_dict()


def test_shipped_configs_load():
    for path in sorted(CONFIG_DIR.glob("*.yaml")):
        load_config(None if path.name == "base.yaml" else path)


def test_a_key_added_after_a_checkpoint_counts_as_unchanged_at_its_default():
    from renovate_net.config import changed_settings

    config = load_config()
    saved = config.to_dict()
    del saved["model"]["placement"]  # a checkpoint written before the key existed
    assert changed_settings(config, saved) == []
    assert changed_settings(load_config(None, ["model.placement=true"]), saved) == [
        "model.placement (checkpoint None, now True)"]
    assert changed_settings(load_config(None, ["train.steps=7"]), config.to_dict(), ignore=["train.steps"]) == []
