"""Networks: generators, discriminators and segmenters, built by name through `registry.create`."""
from renovate_net.models.registry import available, create, register

__all__ = ["available", "create", "register"]
