"""Training and evaluation engines; `train` dispatches on the config's task."""
from __future__ import annotations

from renovate_net.config import Config
from renovate_net.errors import UserError

TASKS = ("generator", "segmenter")


def train(config: Config, resume: str | None = None) -> None:
    """Train what `config.task` names, log to MLflow and register the result."""
    if config.task == "generator":
        from renovate_net.engine.gan_trainer import train_generator

        return train_generator(config, resume=resume)
    if config.task == "segmenter":
        from renovate_net.engine.segmenter_trainer import train_segmenter

        return train_segmenter(config, resume=resume)
    raise UserError(f"unknown task {config.task!r}; set task to one of: {', '.join(TASKS)}")
