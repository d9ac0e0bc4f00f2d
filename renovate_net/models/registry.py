"""Registry + factory for networks (timm-style): `@register("generator", "attention_unet")`, then
`create("generator", "attention_unet", **kwargs)`. A model is rebuilt from its name and kwargs."""
from __future__ import annotations

from typing import Callable

import torch.nn as nn

KINDS = ("generator", "discriminator", "segmenter")
_REGISTRY: dict[str, dict[str, Callable[..., nn.Module]]] = {kind: {} for kind in KINDS}


def register(kind: str, name: str):
    """Class/function decorator adding a network constructor under `kind`/`name`."""
    if kind not in _REGISTRY:
        raise ValueError(f"unknown model kind {kind!r}; choose from {KINDS}")

    def decorator(constructor):
        if name in _REGISTRY[kind]:
            raise ValueError(f"{kind} {name!r} is registered twice")
        _REGISTRY[kind][name] = constructor
        return constructor

    return decorator


def available(kind: str) -> list[str]:
    _import_all()
    return sorted(_REGISTRY[kind])


def registered(kind: str, name: str):
    """The constructor (a class) registered under `kind`/`name`; unknown names raise with the valid choices."""
    _import_all()
    if kind not in _REGISTRY:
        raise ValueError(f"unknown model kind {kind!r}; choose from {KINDS}")
    if name not in _REGISTRY[kind]:
        raise ValueError(f"unknown {kind} {name!r}; choose from: {', '.join(sorted(_REGISTRY[kind]))}")
    return _REGISTRY[kind][name]


def create(kind: str, name: str, **kwargs) -> nn.Module:
    """Build a registered network; unknown names raise with the valid choices."""
    return registered(kind, name)(**kwargs)


def _import_all() -> None:
    """Import the modules that register networks (their import has the side effect of registering)."""
    import importlib
    import pkgutil

    import renovate_net.models as package

    for module in pkgutil.iter_modules(package.__path__):
        if module.name not in {"registry", "store", "spec", "inputs"}:
            importlib.import_module(f"{package.__name__}.{module.name}")
