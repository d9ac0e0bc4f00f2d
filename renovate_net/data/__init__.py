"""Training data: the synthetic house scene, the renovation simulator, `data build`, and the manifest dataset.

Modules import torch/albumentations only where they need them (`dataset`, `transforms`), so the simulator
and the builder stay light.
"""
