"""Configuration: `configs/base.yaml` (every key, commented) < an experiment YAML < `key=value` overrides.

Experiment files and overrides may only set keys that base.yaml defines (unknown keys are rejected with
a close-match suggestion), values keep base.yaml's types, and the result is frozen.
"""
from __future__ import annotations

import difflib
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterable, Mapping

import yaml

from renovate_net.errors import UserError

CONFIG_DIR = Path(__file__).resolve().parent.parent / "configs"


class Config(Mapping):
    """A frozen, nested mapping with attribute access: `config.train.batch_size`."""

    def __init__(self, data: Mapping[str, Any]):
        frozen = {k: Config(v) if isinstance(v, Mapping) else _freeze(v) for k, v in data.items()}
        object.__setattr__(self, "_data", MappingProxyType(frozen))

    def __getattr__(self, name: str) -> Any:
        try:
            return self._data[name]
        except KeyError:
            raise AttributeError(f"config has no key {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("config is frozen; use --set key=value or a config file")

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self):
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"Config({self.to_dict()!r})"

    def to_dict(self) -> dict:
        return {k: v.to_dict() if isinstance(v, Config) else _thaw(v) for k, v in self._data.items()}

    def flat(self, prefix: str = "") -> dict[str, Any]:
        """Dotted keys -> values (MLflow params)."""
        out: dict[str, Any] = {}
        for key, value in self._data.items():
            if isinstance(value, Config):
                out.update(value.flat(f"{prefix}{key}."))
            else:
                out[f"{prefix}{key}"] = _thaw(value)
        return out

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=False)


def _freeze(value: Any) -> Any:
    return tuple(_freeze(v) for v in value) if isinstance(value, (list, tuple)) else value


def _thaw(value: Any) -> Any:
    return [_thaw(v) for v in value] if isinstance(value, tuple) else value


def _read_yaml(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise UserError(f"{path}: no such config file; see configs/ for the shipped ones") from None
    except yaml.YAMLError as error:
        raise UserError(f"{path}: invalid YAML ({str(error).splitlines()[0]})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise UserError(f"{path}: a config must be a mapping of keys to values")
    return data


def _check_type(key: str, default: Any, value: Any) -> Any:
    """Values keep base.yaml's type; ints are accepted for floats; null in base.yaml accepts anything."""
    if default is None or value is None:
        return value
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise UserError(f"config key {key!r} takes true or false, got {value!r}")
        return value
    if isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(default, list) and isinstance(value, list):
        return value
    if type(value) is not type(default):
        raise UserError(f"config key {key!r} takes a {type(default).__name__}, got {value!r}")
    return value


def merge(base: dict, update: Mapping, prefix: str = "") -> dict:
    """`update` laid over `base`; keys not in base are rejected with a suggestion."""
    out = dict(base)
    for key, value in update.items():
        dotted = f"{prefix}{key}"
        if key not in base:
            suggestions = difflib.get_close_matches(dotted, _dotted_keys(base, prefix), n=1, cutoff=0.5)
            hint = f"; did you mean {suggestions[0]!r}?" if suggestions else ""
            raise UserError(f"unknown config key {dotted!r}{hint}")
        if isinstance(base[key], dict):
            if not isinstance(value, Mapping):
                raise UserError(f"config key {dotted!r} is a section; set its keys, e.g. {dotted}.KEY=VALUE")
            out[key] = merge(base[key], value, f"{dotted}.")
        else:
            out[key] = _check_type(dotted, base[key], value)
    return out


def _dotted_keys(tree: dict, prefix: str = "") -> list[str]:
    keys = []
    for key, value in tree.items():
        keys.append(f"{prefix}{key}")
        if isinstance(value, dict):
            keys.extend(_dotted_keys(value, f"{prefix}{key}."))
    return keys


def parse_override(text: str) -> dict:
    """`train.lr=2e-4` -> {'train': {'lr': 0.0002}}; the value is parsed as YAML."""
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise UserError(f"bad override {text!r}; use --set key=value, e.g. --set train.steps=100")
    try:
        value = yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError:
        value = raw
    tree: dict = {}
    node = tree
    parts = key.strip().split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = _yaml_number(value)
    return tree


def _yaml_number(value: Any) -> Any:
    """YAML 1.1 reads `2e-4` as a string; accept it as the float the user meant."""
    if isinstance(value, str):
        try:
            return float(value) if any(c in value.lower() for c in ".e") else value
        except ValueError:
            return value
    return value


def load_config(
    path: str | Path | None = None,
    overrides: Iterable[str] = (),
    base_path: str | Path | None = None,
) -> Config:
    """base.yaml < the experiment file at `path` < overrides; returns a frozen Config."""
    base = _numbers(_read_yaml(Path(base_path) if base_path else CONFIG_DIR / "base.yaml"))
    data = base
    if path is not None:
        data = merge(data, _numbers(_read_yaml(Path(path))))
    for text in overrides:
        data = merge(data, parse_override(text))
    return Config(data)


def _numbers(tree: Any) -> Any:
    if isinstance(tree, dict):
        return {k: _numbers(v) for k, v in tree.items()}
    if isinstance(tree, list):
        return [_numbers(v) for v in tree]
    return _yaml_number(tree)


def changed_settings(config: Config, saved: dict, ignore: Iterable[str] = ()) -> list[str]:
    """The settings in which `config` differs from a checkpoint's saved config, as "key (checkpoint X, now Y)".

    A key the checkpoint lacks counts as unchanged while it holds base.yaml's default: it was added to the
    project after the checkpoint was written (resuming an older run must not fail on it)."""
    given, stored = config.flat(), Config(saved).flat()
    defaults = load_config().flat()
    ignore = set(ignore)
    return [f"{k} (checkpoint {stored.get(k)!r}, now {given.get(k)!r})" for k in sorted(set(given) | set(stored))
            if k not in ignore and given.get(k) != stored.get(k, defaults.get(k))]
