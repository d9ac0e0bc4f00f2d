"""Training data: the manifest dataset and `data build` (pairs made with the simulator), the request mix, the
segmentation sources (LabelMeFacade, procedural houses, pseudo-labelled photos), roof labels and contact sheets.

Modules import torch/albumentations only where they need them (`dataset`, `transforms`, `segmentation`), so the
builder stays light.
"""
