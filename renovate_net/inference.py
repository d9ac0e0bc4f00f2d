"""Renovator: load the generator (and the facade segmenter) once, render full-resolution before -> after.

The generator runs at its working resolution; its `rgb` and `alpha` are upsampled and composited onto
the ORIGINAL photo (DESIGN.md section 1), so the output has the input's size and every pixel with
alpha = 0 is the input pixel, bit for bit. The edit mask reports alpha x 255 wherever a pixel changed.

Pools, garages and solar panels are drawn where the simulator would place them in this photo
(`simulator.added_objects`, on the photo at data build's size), for generators trained with placements;
generators trained with sketches also see the simulator's drawing of them, blurred, as a colour sketch.

The composite is residual: what the generator changed at its working size (rgb minus the photo it saw)
is upsampled and added onto the full-resolution photo, so the photo's own fine detail (edges, leaves,
joints) stays sharp under the edit instead of being replaced by a 256-px picture blown up. Where the
simulator draws something the generator cannot resolve at 256 px, the fine detail is the drawing's: its own
high frequencies (its difference from the photo, less what the generator saw of that difference) replace the
photo's under it, and it covers what it draws. That is where an added object stands, and where a new roof
or driveway re-surfaces a region (tile rows, pavers, gravel), drawn at up to DETAIL_SIZE px:
a driveway shows its pavers, not the old concrete recoloured. The generator still paints the colour and light.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch
from PIL import Image

from renovate_net.catalog import load_catalog
from renovate_net.errors import UserError
from renovate_net.label_guidance import edit_gate, hold_hue, lock_colours, missing_regions
from renovate_net.request import RenovationRequest, condition_arrays
from renovate_net.resize import BAND_ROWS, bilinear_bands

GENERATOR = "renovate-net"
SEGMENTER = "facade-segmenter"
DETAIL_SIZE = 768   # long side (px) up to which the simulator draws roofs and driveways for their detail
# Re-surfacing types whose material the simulator draws at full size: roof tiles and slate, pavers and gravel.
# Walls stay the generator's own: bricked-over railings, lamps and numbers moved the KID gap of cladding renders
# from +15.4 to +26.0 (x 1e-3), while drawn roofs went +3.7 -> +1.2 and driveways +0.8 -> -0.1.
DRAWN_TYPES = ("roof", "driveway")
# Types that re-surface only part of their label region by design: a driveway is the paved ground in front of the
# house, not the street or the neighbour's forecourt. Outside what the simulator lays, their region stays as it was.
PART_OF_REGION = ("driveway",)
# Where the simulator draws, the generator's difference from the drawing is blurred by this many px of its working
# size: it still sets the drawing's colour and light, without the blotches it paints inside a garage or panels.
DRAWING_LIGHT_SIGMA = 4.0


def pick_device(name: str = "auto") -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise UserError("--device cuda asked for, but no CUDA GPU is available; use --device cpu")
    if name not in ("cpu", "cuda"):
        raise UserError(f"unknown device {name!r}; choose from: auto, cpu, cuda")
    return torch.device(name)


def working_size(width: int, height: int, long_side: int, multiple: int) -> tuple[int, int]:
    """(w, h) with the long side near `long_side`, both sides multiples of `multiple` (aspect kept roughly)."""
    scale = long_side / max(width, height)
    return tuple(max(multiple, int(round(side * scale / multiple)) * multiple) for side in (width, height))


@dataclass
class Rendered:
    after: np.ndarray      # HxWx3 uint8, the input's size
    edit_mask: np.ndarray  # HxW uint8: 0 = input pixel unchanged, alpha x 255 elsewhere
    labels: np.ndarray     # HxW uint8 facade labels used
    missing: tuple[str, ...] = ()  # re-surfacing types with (nearly) none of their region in the photo


class Renovator:
    """Renders renovation requests on photos with one loaded generator (+ segmenter unless masks are given)."""

    def __init__(self, generator: torch.nn.Module, image_size: int, segmenter=None,
                 device: torch.device = torch.device("cpu"), guided: bool = True):
        self.generator = generator.to(device).eval()
        self.guided = guided  # label guidance (edit gate + colour lock, `label_guidance.py`); off for ablations
        self.image_size = image_size
        self.multiple = getattr(generator, "input_multiple", 32)
        self.segmenter = segmenter
        self.device = device

    @classmethod
    def load(cls, model: str | None = None, segmenter: str | None = None, device: str = "auto",
             with_segmenter: bool = True, guided: bool = True) -> "Renovator":
        """Load from registry URIs or folders; defaults are the `champion` aliases."""
        from renovate_net.models.store import load_model, read_spec
        from renovate_net.tracking import champion_uri, resolve_model

        torch_device = pick_device(device)
        folder = resolve_model(model or champion_uri(GENERATOR))
        spec = read_spec(folder)
        generator = load_model(folder, kind="generator", device=torch_device)
        seg = None
        if with_segmenter:
            from renovate_net.segmenter import Segmenter

            seg = Segmenter.from_uri(segmenter or champion_uri(SEGMENTER), device=str(torch_device))
        return cls(generator, int(spec.get("image_size", 256)), seg, torch_device, guided)

    def labels_for(self, image: np.ndarray) -> np.ndarray:
        if self.segmenter is None:
            raise UserError("no facade labels: give --mask LABELS.png or let render load the segmenter")
        return self.segmenter.predict(image)

    def objects_for(self, image: np.ndarray, labels: np.ndarray,
                    request: RenovationRequest) -> tuple[np.ndarray, np.ndarray]:
        """(placement HxW, drawn HxWx3 uint8) at the photo's size: where the request's added objects stand and
        the photo with them drawn (`simulator.added_objects`), laid out on the photo resized as `data build`
        resizes its training photos."""
        from renovate_net.data.build import TRAINING_SIZE, resize_pair
        from renovate_net.data.simulator import RegionMissing, added_objects

        small, small_labels = resize_pair(image, labels, TRAINING_SIZE)
        try:
            objects = added_objects(small, small_labels, request)
        except RegionMissing as missing:
            raise UserError(f"--type {missing.type_id}: {missing.reason} in this photo; use a photo that shows more "
                            f"of the house and its surroundings, or leave {missing.type_id} out") from None
        size = image.shape[1::-1]
        return (np.array(Image.fromarray(objects.placement).resize(size, Image.Resampling.NEAREST)),
                np.array(Image.fromarray(objects.after).resize(size, Image.Resampling.BILINEAR)))

    @torch.no_grad()
    def render(self, image: np.ndarray, request: RenovationRequest, labels: np.ndarray | None = None,
               placement: np.ndarray | None = None, drawn: np.ndarray | None = None) -> Rendered:
        """Renovate one HxWx3 uint8 photo; `labels` (HxW class ids) come from the segmenter if not given,
        `placement` (HxW, where added objects stand) and `drawn` (HxWx3, the photo with them drawn) from
        `objects_for` if the generator takes them."""
        height, width = image.shape[:2]
        if labels is None:
            labels = self.labels_for(image)
        if labels.shape != (height, width):
            raise UserError(f"labels are {labels.shape[1]}x{labels.shape[0]} but the photo is {width}x{height}")
        size = working_size(width, height, self.image_size, self.multiple)
        small = np.array(Image.fromarray(image).resize(size, Image.Resampling.LANCZOS))
        small_labels = np.array(Image.fromarray(labels).resize(size, Image.Resampling.NEAREST))
        small_placement = small_drawn = footprint = None
        if not getattr(self.generator, "uses_placement", False):
            placement = None  # a generator trained without placements neither sees nor is gated by one
        else:
            if placement is None:
                placement, drawn = self.objects_for(image, labels, request)
            if placement.shape != (height, width):
                raise UserError(f"placement is {placement.shape[1]}x{placement.shape[0]} but the photo is {width}x{height}")
            small_placement = np.array(Image.fromarray(placement).resize(size, Image.Resampling.NEAREST))
            small_placement = torch.from_numpy(small_placement.astype(np.int64))[None].to(self.device)
            if getattr(self.generator, "uses_sketch", False):
                if drawn is None or drawn.shape != image.shape:
                    raise UserError("this model draws added objects from a sketch: give `drawn`, the photo with "
                                    "them drawn, beside their placement")
                small_drawn = np.array(Image.fromarray(drawn).resize(size, Image.Resampling.LANCZOS))
                small_drawn = torch.from_numpy(small_drawn).permute(2, 0, 1).float().div(255)[None].to(self.device)
                footprint = placement > 0
        seen = torch.from_numpy(small).permute(2, 0, 1).float().div(255)
        arrays = condition_arrays(request)
        out = self.generator(
            seen[None].to(self.device),
            torch.from_numpy(small_labels.astype(np.int64))[None].to(self.device),
            *(torch.from_numpy(arrays[key])[None].to(self.device) for key in ("active", "material", "colour")),
            small_placement,
            small_drawn,
        )
        rgb, alpha = out["rgb"][0].float().cpu(), out["alpha"][0].float().cpu()
        gate = shadow = None
        drawing = None if footprint is None else (drawn, small_drawn[0].cpu(), footprint.astype(np.float32))
        if self.guided:
            locked = lock_colours(rgb.permute(1, 2, 0).numpy(), alpha[0].numpy(), small_labels, request)
            locked = hold_hue(locked, seen.permute(1, 2, 0).numpy(), small_labels, request)
            rgb = torch.from_numpy(locked).permute(2, 0, 1)
            gate, shadow = edit_gate(labels, request, placement)
            textured = textured_drawing(image, labels, request)
            if textured is not None:
                drawing, gate = with_texture(drawing, textured, gate, size)
        after, edit = composite_full(image, rgb, alpha, seen, gate, drawing, shadow)
        return Rendered(after, edit, labels, tuple(missing_regions(labels, request)))


def textured_drawing(image: np.ndarray, labels: np.ndarray,
                     request: RenovationRequest) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(drawn HxWx3 uint8, cover HxW float32, partial HxW bool) at the photo's size: the simulator's re-surfacing
    of the request's DRAWN_TYPES (finely textured roofs and driveways), how much of each pixel it covers, and the
    label regions of those in PART_OF_REGION; None when the request has none. Drawn with a fixed seed at up to
    DETAIL_SIZE px."""
    from renovate_net.data.build import resize_pair
    from renovate_net.data.simulator import resurfaced

    catalog = load_catalog()
    textured = tuple(choice for choice in request.choices if choice.type_id in DRAWN_TYPES)
    if not textured:
        return None
    height, width = labels.shape
    small, small_labels = (image, labels) if max(height, width) <= DETAIL_SIZE else \
        resize_pair(image, labels, DETAIL_SIZE)
    sketch = resurfaced(small, small_labels, RenovationRequest(textured), catalog)
    drawn, cover = sketch.after, sketch.edit_mask
    if small is not image:
        drawn = np.array(Image.fromarray(drawn).resize((width, height), Image.Resampling.BILINEAR))
        cover = np.array(Image.fromarray(cover).resize((width, height), Image.Resampling.BILINEAR))
    partial = [catalog.type(choice.type_id).region_id for choice in textured if choice.type_id in PART_OF_REGION]
    return drawn, cover, np.isin(labels, partial)


def with_texture(drawing: tuple[np.ndarray, torch.Tensor, np.ndarray] | None,
                 textured: tuple[np.ndarray, np.ndarray, np.ndarray], gate: np.ndarray | None,
                 size: tuple[int, int]) -> tuple[tuple, np.ndarray | None]:
    """The added objects' drawing (or none) with the textured re-surfacing laid in beside the objects, and the
    gate narrowed so that in a PART_OF_REGION type's region only what the simulator re-surfaced may change."""
    drawn, cover, partial = textured
    if drawing is not None:
        objects, _, footprint = drawing
        beside = (cover > 0) & (footprint == 0)
        drawn = np.where(beside[..., None], drawn, objects)
        cover = np.where(beside, cover, footprint)
    seen = np.array(Image.fromarray(drawn).resize(size, Image.Resampling.LANCZOS))
    seen = torch.from_numpy(seen).permute(2, 0, 1).float().div(255)
    return (drawn, seen, cover), None if gate is None else gate & ~(partial & (cover == 0))


def composite_full(image: np.ndarray, rgb: torch.Tensor, alpha: torch.Tensor, seen: torch.Tensor,
                   gate: np.ndarray | None = None,
                   drawing: tuple[np.ndarray, torch.Tensor, np.ndarray] | None = None,
                   shadow: np.ndarray | None = None, band: int = BAND_ROWS) -> tuple[np.ndarray, np.ndarray]:
    """Composite the generator's working-size output onto the full-size photo:
    after = photo + alpha * up(rgb - seen), with `seen` the working-size photo the generator was given
    (rgb and seen [3, h, w], alpha [1, h, w], in [0, 1]). Where `gate` (HxW bool) is False alpha is 0.
    `drawing` = (drawn HxWx3 uint8, drawn_seen [3, h, w], cover HxW float in [0, 1]): the simulator's drawing of
    added objects or textured materials, at full and at working size, and how much of each pixel it covers.
    Where it covers, the residual also gets the drawing's fine detail, (drawn - photo) - up(drawn_seen - seen),
    so a pool or a paved driveway shows its own edges and texture instead of the photo's lawn or concrete under
    a colour shift, and alpha is at least the cover (the training targets' alpha there). There the generator
    only sets colour and light: its difference from drawn_seen is blurred (DRAWING_LIGHT_SIGMA).
    Where `shadow` (HxW bool) is True, around an added object, only the change's brightness is kept, as a
    factor on the photo's colour: an object casts a shadow there, it does not tint the ground.

    Upsampling is bilinear, a band of rows at a time, so a 12-megapixel photo never holds full-size float
    copies. Returns the after photo (uint8) and the edit mask (uint8, 0 exactly where the pixel is unchanged).
    """
    height, width = image.shape[:2]
    after = image.copy()
    edit = np.zeros((height, width), np.uint8)
    drawn, drawn_seen, cover = drawing if drawing is not None else (None, None, None)
    if drawing is not None:
        rgb = drawing_light(rgb, drawn_seen, cover)
    small = [rgb - seen, alpha] + ([] if drawing is None else [drawn_seen - seen])
    for rows, up in bilinear_bands(torch.cat(small), height, width, band):
        up = up.numpy()
        weight = up[3] if gate is None else up[3] * gate[rows]
        if drawing is not None:
            weight = np.maximum(weight, cover[rows])
        if not (weight > 0).any():
            continue
        before = image[rows].astype(np.float32)
        change = up[:3].transpose(1, 2, 0) * 255.0
        if drawing is not None:
            detail = drawn[rows].astype(np.float32) - before - up[4:].transpose(1, 2, 0) * 255.0
            change += detail * (cover[rows, :, None] > 0)
        if shadow is not None:
            brightness = before.mean(axis=-1, keepdims=True) + 1.0
            shaded = before * (change.mean(axis=-1, keepdims=True) / brightness)
            change = np.where(shadow[rows, :, None], shaded, change)
        mixed = before + weight[..., None] * change
        result = np.where((weight > 0)[..., None], np.clip(np.rint(mixed), 0, 255), before).astype(np.uint8)
        after[rows] = result
        changed = (result != image[rows]).any(axis=-1)
        edit[rows] = np.where(changed, np.clip(np.rint(weight * 255), 1, 255), 0).astype(np.uint8)
    return after, edit


def drawing_light(rgb: torch.Tensor, drawn_seen: torch.Tensor, cover: np.ndarray) -> torch.Tensor:
    """rgb [3, h, w] with, where the full-size `cover` (HxW) covers most of a working-size pixel, drawn_seen plus
    the generator's difference from it blurred (normalised inside the cover, so nothing outside leaks in)."""
    height, width = rgb.shape[1:]
    inside = (cv2.resize(cover.astype(np.float32), (width, height), interpolation=cv2.INTER_AREA) > 0.5)
    if not inside.any():
        return rgb
    weight = inside.astype(np.float32)
    difference = (rgb - drawn_seen).permute(1, 2, 0).numpy() * weight[..., None]
    blurred = cv2.GaussianBlur(difference, (0, 0), DRAWING_LIGHT_SIGMA) / \
        (cv2.GaussianBlur(weight, (0, 0), DRAWING_LIGHT_SIGMA)[..., None] + 1e-6)
    followed = drawn_seen + torch.from_numpy(blurred).permute(2, 0, 1)
    return torch.where(torch.from_numpy(inside), followed, rgb)


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
                 mask: str | None = None, model: str | None = None, device: str = "auto",
                 save_edit_mask: bool = False, force: bool = False, report=print) -> list[str]:
    """Render every photo; returns the per-photo error lines (empty when all succeeded).

    Every output path is checked before anything is computed, so a refused overwrite writes nothing;
    with several photos, one bad photo is reported and the others are still rendered.
    """
    from tqdm import tqdm

    from renovate_net.imaging import check_writable, load_image, load_labels, save_image

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
    renovator = Renovator.load(model, device=device, with_segmenter=mask is None)
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
