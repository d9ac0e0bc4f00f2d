"""Average the weights of facade segmenters fine-tuned from one another (a uniform "model soup", Wortsman et
al., ICML 2022), measure the average on the held-out LabelMeFacade photos, and log (and register) it.

The ingredients must share one architecture and descend from one training (fine-tunes of each other), so that
their weights lie in one basin and their average is a network in its own right. Every floating tensor is the
plain mean (BatchNorm statistics included); integer buffers are the first ingredient's. An ingredient given as
a folder outside the MLflow store is copied into the run under `ingredients/` so the soup can be made again.

  python tools/segmenter_soup.py models:/facade-segmenter/2 models:/facade-segmenter/3 runs/restart3/model \\
      --register facade-segmenter --alias champion
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Mapping, Sequence

import torch
from safetensors.torch import load_file

from renovate_net.config import load_config
from renovate_net.data.labelmefacade import LabelMeFacade
from renovate_net.engine.scaffold import publish
from renovate_net.engine.segmenter_metrics import evaluate, format_table
from renovate_net.engine.segmenter_trainer import holdout_markdown, segmenter_release
from renovate_net.errors import UserError
from renovate_net.models.store import WEIGHTS, load_model, read_spec
from renovate_net.render.segmenter import Segmenter
from renovate_net.tracking import resolve_model, start_run, store_dir


def average_states(states: Sequence[Mapping[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    """Uniform mean of state dicts with the same keys and shapes (computed in float32, returned in the first
    state's dtypes); integer tensors (e.g. BatchNorm's num_batches_tracked) are taken from the first state."""
    first = states[0]
    for state in states[1:]:
        if state.keys() != first.keys() or any(state[k].shape != first[k].shape for k in first):
            raise UserError("the ingredients have different architectures; average fine-tunes of one network only")
    return {key: (sum(state[key].float() for state in states) / len(states)).to(value.dtype)
            if value.is_floating_point() else value.clone() for key, value in first.items()}


def _in_store(folder: Path) -> bool:
    store = store_dir()
    return store is not None and folder.resolve().is_relative_to(store.resolve())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("ingredients", nargs="+", help="segmenter URIs (models:/..., runs:/...) or model folders")
    parser.add_argument("--config", default="configs/segmenter.yaml", help="config whose held-out split to measure on")
    parser.add_argument("--register", default="", help="register the soup under this name (default: log only)")
    parser.add_argument("--alias", default="", help="with --register: point this alias at the new version")
    args = parser.parse_args()
    if len(args.ingredients) < 2:
        raise SystemExit("give two or more ingredients")
    config = load_config(args.config)
    folders = [resolve_model(uri) for uri in args.ingredients]
    specs = [read_spec(folder) for folder in folders]
    if any((s["kind"], s["name"], s["kwargs"]) != (specs[0]["kind"], specs[0]["name"], specs[0]["kwargs"])
           for s in specs):
        raise UserError("the ingredients differ in architecture; average fine-tunes of one network only")
    # the soup is measured and saved at the config's working size: it must be the one the ingredients learnt at
    sizes = sorted({s.get("working_size") for s in specs}, key=str)
    if sizes != [config.segmenter.working_size]:
        raise UserError(f"the ingredients work at {sizes} px but {args.config} says segmenter.working_size="
                        f"{config.segmenter.working_size}; pass the config they were trained with")
    model = load_model(folders[0], "segmenter")
    model.load_state_dict(average_states([load_file(str(folder / WEIGHTS)) for folder in folders]))

    labelme = LabelMeFacade(config.segmenter.data_dir)
    held_out = labelme.split(config.segmenter.holdout, config.segmenter.holdout_seed)[1]
    table, _ = evaluate(Segmenter(model, config.segmenter.working_size), labelme.samples(held_out))
    copied = {i for i, folder in enumerate(folders) if not _in_store(folder)}  # logged under ingredients/<i>
    listed = "".join(f"- `{uri}`{f' (copied into this run as `ingredients/{i}`)' if i in copied else ''}, held-out "
                     f"mIoU {spec.get('holdout_metrics', {}).get('miou', float('nan')):.3f}\n"
                     for i, (uri, spec) in enumerate(zip(args.ingredients, specs)))
    card = ("# facade-segmenter (weight average)\n\nFPN on EfficientNet-Lite0, 8 contract labels, working resolution: "
            f"long side {config.segmenter.working_size} px. Weights stored in fp16.\n\nThe uniform average of the "
            f"weights of these fine-tunes of one network (a model soup):\n\n{listed}\nMade with `python "
            f"tools/segmenter_soup.py {' '.join(args.ingredients)}`. Their training data is in their own model "
            "cards; LabelMeFacade (Froehlich, Rodner, Denzler, ICPR 2010) is licensed for non-commercial research "
            f"use only, and so are weights trained on it.\n\n## Metrics\n\n{holdout_markdown(config, table)}")
    with start_run(config.experiment, "facade-segmenter-soup") as run, tempfile.TemporaryDirectory() as temp:
        run.log_params({"ingredients": " ".join(args.ingredients), "config": args.config})
        for index in sorted(copied):
            run.log_model_folder(folders[index], f"ingredients/{index}")
        run.log_metrics({f"val/{k}": v for k, v in table.items()})
        release = segmenter_release(model, specs[0]["name"], specs[0]["kwargs"], config, table, card)
        publish(run, Path(temp) / "model", release, config.to_yaml(), args.register, args.alias)
        print(format_table(table))
        print(f"run {run.id}")


if __name__ == "__main__":
    try:
        main()
    except UserError as error:
        sys.exit(f"error: {error}")
