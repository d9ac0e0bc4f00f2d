"""The file handling of `render` and `segment`: output names, refusing collisions and overwrites before any
model loads, reading photos and masks, writing results; one bad photo in a batch is reported, not fatal."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from renovate_net.catalog import load_catalog
from renovate_net.errors import UserError
from renovate_net.imaging import check_writable, load_image, load_labels, save_image
from renovate_net.labels import overlay
from renovate_net.render.pipeline import Renovator
from renovate_net.render.segmenter import BATCH, DEFAULT_URI, Segmenter
from renovate_net.request import RenovationRequest


def output_paths(inputs: list[Path], output: str | None) -> list[Path]:
    """Default `<stem>_after.png` beside each input; `-o` is a file for one input, else a folder."""
    if output is None:
        return [p.with_name(f"{p.stem}_after.png") for p in inputs]
    target = Path(output)
    if len(inputs) == 1 and not target.is_dir():
        if target.suffix.lower() not in (".png", ".jpg", ".jpeg"):
            raise UserError(f"-o {output}: give an output file ending in .png or .jpg, or an existing folder")
        return [target]
    if target.exists() and not target.is_dir():
        raise UserError(f"-o {output}: several photos need an output folder, not a file")
    return [target / f"{p.stem}_after.png" for p in inputs]


def edit_mask_path(output: Path) -> Path:
    return output.with_name(f"{output.stem}_edit.png")


def render_files(images: list[str], request: RenovationRequest, output: str | None = None,
                 mask: str | None = None, model: str | None = None, segmenter: str | None = None,
                 device: str = "auto",
                 save_edit_mask: bool = False, force: bool = False, report=print) -> list[str]:
    """Render every photo; returns the per-photo error lines (empty when all succeeded).

    Every output path is checked before anything is computed, so a refused overwrite writes nothing;
    with several photos, one bad photo is reported and the others are still rendered.
    """
    from tqdm import tqdm

    inputs = [Path(p) for p in images]
    if mask is not None and len(inputs) > 1:
        raise UserError("--mask goes with one photo; render photos with their own masks one at a time")
    outputs = output_paths(inputs, output)
    if len(set(outputs)) < len(outputs):
        raise UserError("two photos share a file name stem, so their outputs would collide; rename one")
    if len(inputs) > 1 and output is not None:
        Path(output).mkdir(parents=True, exist_ok=True)
    for path in outputs:
        check_writable(path, force)
        if save_edit_mask:
            check_writable(edit_mask_path(path), force)

    def read(source: Path) -> tuple[np.ndarray, np.ndarray | None]:
        image = load_image(source)
        return image, (load_labels(mask, size=(image.shape[1], image.shape[0])) if mask else None)

    # One photo: read it before the (slower) model load, so a bad file fails fast.
    first = read(inputs[0]) if len(inputs) == 1 else None
    if mask is not None and segmenter is not None:
        raise UserError("--mask gives the labels, so --segmenter has nothing to do; give one of the two")
    renovator = Renovator.load(model, segmenter, device=device, with_segmenter=mask is None)
    failures = []
    for source, target in tqdm(list(zip(inputs, outputs)), desc="render", unit="photo",
                               disable=len(inputs) == 1, leave=False):
        try:
            image, labels = first or read(source)
            result = renovator.render(image, request, labels)
            for type_id in result.missing:
                region = load_catalog().type(type_id).edits
                report(f"warning: {source}: --type {type_id}: no {region} found in this photo, so it is left as it "
                       f"was; give --mask LABELS.png if the segmenter missed it")
            for type_id, note in result.notes:
                report(f"warning: {source}: --type {type_id}: {note}")
            save_image(result.after, target, force=force)
            if save_edit_mask:
                save_image(result.edit_mask, edit_mask_path(target), force=force)
        except UserError as error:
            if len(inputs) == 1:
                raise
            line = str(error) if str(source) in str(error) else f"{source}: {error}"  # name the photo once
            failures.append(line)
            report(f"error: {line}")
    return failures


def segment_outputs(inputs: Sequence[Path], out_dir: Path, with_overlay: bool) -> list[list[Path]]:
    """Output paths per input; refuses collisions (two inputs with one stem, an output over an input)."""
    outputs = [[out_dir / f"{p.stem}.png"] + ([out_dir / f"{p.stem}_overlay.png"] if with_overlay else [])
               for p in inputs]
    seen: dict[Path, Path] = {}
    sources = {p.resolve() for p in inputs}
    for path, paths in zip(inputs, outputs):
        for out in paths:
            key = out.resolve()
            if key in seen:
                raise UserError(f"{path} and {seen[key]} would both write {out}; segment them into different "
                                "folders with -o")
            if key in sources:
                raise UserError(f"{out} would overwrite the input photo; choose another folder with -o")
            seen[key] = path
    return outputs


def segment_files(inputs: Iterable[str | Path], out_dir: str | Path | None = None, with_overlay: bool = False,
                  model_uri: str = DEFAULT_URI, force: bool = False, device: str = "cpu") -> list[Path]:
    """Write `<stem>.png` label maps (and `<stem>_overlay.png`) for every photo into `out_dir` (default: the
    current folder). Every input and output is checked before the model is loaded; returns the written paths."""
    inputs = [Path(p) for p in inputs]
    if not inputs:
        raise UserError("no photos given; pass one or more image files")
    out_dir = Path.cwd() if out_dir is None else Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise UserError(f"{out_dir}: is a file; -o takes a folder")
    outputs = segment_outputs(inputs, out_dir, with_overlay)
    for path in inputs:
        load_image(path)  # every bad photo fails here, before anything is written
    out_dir.mkdir(parents=True, exist_ok=True)
    for paths in outputs:
        for out in paths:
            check_writable(out, force)
    segmenter = Segmenter.from_uri(model_uri, device)
    written: list[Path] = []
    for start in range(0, len(inputs), BATCH):
        images = [load_image(p) for p in inputs[start:start + BATCH]]
        for image, labels, paths in zip(images, segmenter.predict_batch(images), outputs[start:start + BATCH]):
            written.append(save_image(labels, paths[0], force))
            if with_overlay:
                written.append(save_image(overlay(image, labels), paths[1], force))
    return written
