"""The render pipeline: load the generator (and the facade segmenter) once, then renovate full-resolution photos.

It only orchestrates: labels from the segmenter (`segmenter.py`), the simulator's drawings of added objects and
fine materials (`drawing.py`), the generator at its working size (its inputs: `models/inputs.py`; its sizes:
its saved contract, `models/spec.py`), label guidance (`guidance.py`), and the paste-back onto the original
photo (`compositor.py`), so the output has the input's size and every pixel the edit leaves alone is the
input pixel, bit for bit.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import torch
from PIL import Image

from renovate_net.device import pick_device
from renovate_net.errors import UserError
from renovate_net.models.inputs import photo_inputs
from renovate_net.models.spec import GeneratorContract
from renovate_net.render.compositor import composite_full, with_texture
from renovate_net.render.drawing import added_object_drawing, detail_drawing, measured_for
from renovate_net.render.frames import lay_frames, new_frames
from renovate_net.render.guidance import edit_gate, hold_hue, lightness_ceiling, lock_colours, missing_regions
from renovate_net.request import RenovationRequest, split_request
from renovate_net.resize import working_size
from renovate_net.simulator.scene import daylight_share, to_linear

GENERATOR = "renovate-net"
SHADOW_DRAWN = 0.05  # of the photo's long side: how far from an added object its drawn shadow is laid in
SEGMENTER = "facade-segmenter"


@dataclass
class Rendered:
    after: np.ndarray      # HxWx3 uint8, the input's size
    edit_mask: np.ndarray  # HxW uint8: 0 = input pixel unchanged, alpha x 255 elsewhere
    labels: np.ndarray     # HxW uint8 facade labels used
    missing: tuple[str, ...] = ()  # re-surfacing types with (nearly) none of their region in the photo
    notes: tuple[tuple[str, str], ...] = ()  # (type id, one line for the user): what the render left undone


def _resized(array: np.ndarray, size: tuple[int, int], resample: Image.Resampling) -> np.ndarray:
    return np.array(Image.fromarray(array).resize(size, resample))


def _cover(image: np.ndarray, placement: np.ndarray, drawn: np.ndarray) -> np.ndarray:
    """Where the drawing of added objects is laid in at full size: the objects, and what the drawing changes
    within SHADOW_DRAWN of them (their contact shadows)."""
    reach = 2 * max(1, round(SHADOW_DRAWN * max(placement.shape))) + 1
    near = cv2.dilate((placement > 0).astype(np.uint8), np.ones((reach, reach), np.uint8)) > 0
    return ((placement > 0) | (near & (drawn != image).any(axis=-1))).astype(np.float32)


class Renovator:
    """Renders renovation requests on photos with one loaded generator (+ segmenter unless labels are given)."""

    def __init__(self, generator: torch.nn.Module, contract: GeneratorContract, segmenter=None,
                 device: torch.device = torch.device("cpu"), guided: bool = True):
        self.generator = generator.to(device).eval()
        self.contract = contract
        self.guided = guided  # label guidance (edit gate + colour lock, `guidance.py`); off for ablations
        self.segmenter = segmenter
        self.device = device

    @classmethod
    def load(cls, model: str | None = None, segmenter: str | None = None, device: str = "auto",
             with_segmenter: bool = True, guided: bool = True) -> "Renovator":
        """Load from registry URIs or folders; defaults are the `champion` aliases."""
        from renovate_net.models.spec import generator_contract
        from renovate_net.models.store import load_model, read_spec
        from renovate_net.render.segmenter import Segmenter
        from renovate_net.tracking import champion_uri, resolve_model

        torch_device = pick_device(device)
        folder = resolve_model(model or champion_uri(GENERATOR))
        generator = load_model(folder, kind="generator", device=torch_device)
        seg = Segmenter.from_uri(segmenter or champion_uri(SEGMENTER), device=str(torch_device)) \
            if with_segmenter else None
        return cls(generator, generator_contract(read_spec(folder)), seg, torch_device, guided)

    def labels_for(self, image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(labels, probabilities) of the segmenter: see `Segmenter.predict_with_probabilities`."""
        if self.segmenter is None:
            raise UserError("no facade labels: give --mask LABELS.png or let render load the segmenter")
        return self.segmenter.predict_with_probabilities(image)

    def objects_for(self, image: np.ndarray, labels: np.ndarray,
                    request: RenovationRequest) -> tuple[np.ndarray, np.ndarray]:
        """(placement HxW, drawn HxWx3 uint8): where the request's added objects stand, and the photo with them
        drawn, laid out at the generator's layout size."""
        return added_object_drawing(image, labels, request, self.contract.layout_size)

    def _placement(self, image: np.ndarray, labels: np.ndarray, request: RenovationRequest,
                   placement: np.ndarray | None, drawn: np.ndarray | None):
        """The placement and drawing the generator takes (None, None for one trained without placements)."""
        if not self.contract.uses_placement:
            return None, None  # a generator trained without placements neither sees nor is gated by one
        if placement is None:
            placement, drawn = self.objects_for(image, labels, request)
        height, width = image.shape[:2]
        if placement.shape != (height, width):
            raise UserError(f"placement is {placement.shape[1]}x{placement.shape[0]} but the photo is {width}x{height}")
        if self.contract.uses_sketch and (drawn is None or drawn.shape != image.shape):
            raise UserError("this model draws added objects from a sketch: give `drawn`, the photo with "
                            "them drawn, beside their placement")
        return placement, drawn if self.contract.uses_sketch else None

    @torch.no_grad()
    def render(self, image: np.ndarray, request: RenovationRequest, labels: np.ndarray | None = None,
               placement: np.ndarray | None = None, drawn: np.ndarray | None = None,
               probabilities: np.ndarray | None = None) -> Rendered:
        """Renovate one HxWx3 uint8 photo; `labels` (HxW class ids) and their `probabilities` ([C, h, w]) come
        from the segmenter if not given (given labels without probabilities are trusted as they are),
        `placement` (HxW, where added objects stand) and `drawn` (HxWx3, the photo with them drawn) from
        `objects_for` if the generator takes them.

        A request that re-surfaces and adds objects, with no placement given, is rendered in two passes: the
        re-surfacing first, then the objects added to the renovated house, so a garage is built in the new
        render or cladding and solar panels lie on the new roof."""
        height, width = image.shape[:2]
        if labels is None:
            labels, probabilities = self.labels_for(image)
        if labels.shape != (height, width):
            raise UserError(f"labels are {labels.shape[1]}x{labels.shape[0]} but the photo is {width}x{height}")
        resurfacing, adding = split_request(request)
        if placement is None and resurfacing.choices and adding.choices and self.contract.uses_placement:
            first = self._render(image, resurfacing, labels, None, None, probabilities)
            then = self._render(first.after, adding, labels, None, None, probabilities)
            changed = (then.after != image).any(axis=-1)  # 0 exactly where the photo's pixel is kept
            edit = np.where(changed, np.maximum(np.maximum(first.edit_mask, then.edit_mask), 1), 0).astype(np.uint8)
            return Rendered(then.after, edit, labels, first.missing + then.missing, first.notes + then.notes)
        return self._render(image, request, labels, placement, drawn, probabilities)

    def _render(self, image: np.ndarray, request: RenovationRequest, labels: np.ndarray,
                placement: np.ndarray | None, drawn: np.ndarray | None,
                probabilities: np.ndarray | None) -> Rendered:
        """One pass of the generator over the whole request (see `render`)."""
        height, width = image.shape[:2]
        placement, drawn = self._placement(image, labels, request, placement, drawn)
        size = working_size(width, height, self.contract.image_size, self.contract.input_multiple)
        small_labels = _resized(labels, size, Image.Resampling.NEAREST)
        inputs = photo_inputs(
            _resized(image, size, Image.Resampling.LANCZOS), small_labels, request,
            None if placement is None else _resized(placement, size, Image.Resampling.NEAREST),
            None if drawn is None else _resized(drawn, size, Image.Resampling.LANCZOS))
        out = self.generator(*inputs.to(self.device))
        rgb, alpha = out["rgb"][0].float().cpu(), out["alpha"][0].float().cpu()
        seen = inputs.before[0]
        drawing = None if inputs.sketch is None else (drawn, inputs.sketch[0], _cover(image, placement, drawn))
        gate = shadow = frames = None
        if self.guided:
            seen_rgb = seen.permute(1, 2, 0).numpy()
            locked = lock_colours(rgb.permute(1, 2, 0).numpy(), alpha[0].numpy(), small_labels, request,
                                  lightness_ceiling(seen_rgb), daylight_share(to_linear(seen_rgb), small_labels))
            locked = hold_hue(locked, seen_rgb, small_labels, request)
            rgb = torch.from_numpy(locked).permute(2, 0, 1)
            gate, shadow = edit_gate(labels, request, placement, probabilities, image)
            measured = measured_for(image, labels, request)
            textured = detail_drawing(image, labels, request, measured)
            if textured is not None:
                drawing, gate = with_texture(drawing, textured, gate, size)
            frames = None if measured is None else new_frames(image, labels, request, measured, probabilities)
        after, edit = composite_full(image, rgb, alpha, seen, gate, drawing, shadow,
                                     None if placement is None else placement > 0)
        notes = ()
        if frames is not None:
            lay_frames(image, after, edit, frames)
            notes = ((frames.type_id, note),) if (note := frames.note()) else ()
        return Rendered(after, edit, labels, tuple(missing_regions(labels, request)), notes)
