"""The drawings that render lays into a photo: the added objects (pool, garage, solar panels) where the simulator
places them, and the fine texture of re-surfacing types whose catalog entry says `detail_drawn` (brick slips and
boards, roof tiles and slates, pavers and gravel), drawn at full resolution by `surfaces.py`. All at the photo's
size, with a fixed seed, so a photo always gets the same layout."""
from __future__ import annotations

import numpy as np
from PIL import Image

from renovate_net.catalog import load_catalog
from renovate_net.errors import UserError
from renovate_net.render.frames import frames_drawn
from renovate_net.render.surfaces import Measured, drawn_surface, measure
from renovate_net.request import RenovationRequest
from renovate_net.resize import resize_pair
from renovate_net.simulator.renovation import RegionMissing, added_objects

OBJECT_SIZE = 1280  # long side (px) up to which added objects are drawn: a panel's frame and cells, a pool's coping


def added_object_drawing(image: np.ndarray, labels: np.ndarray, request: RenovationRequest,
                         layout_size: int) -> tuple[np.ndarray, np.ndarray]:
    """(placement HxW, drawn HxWx3 uint8) at the photo's size: where the request's added objects stand and the
    photo with them drawn (and their contact shadows), the photo's own pixels elsewhere. The simulator lays
    objects out in metres, so they are drawn at the photo's own resolution (up to OBJECT_SIZE, never below the
    generator's `layout_size`), sharp where the compositor pastes their detail. A photo with no room for one is a
    one-line UserError."""
    height, width = labels.shape
    size = max(layout_size, min(max(height, width), OBJECT_SIZE))
    small, small_labels = (image, labels) if max(height, width) <= size else resize_pair(image, labels, size)
    try:
        objects = added_objects(small, small_labels, request)
    except RegionMissing as missing:
        raise UserError(f"--type {missing.type_id}: {missing.reason} in this photo; {_advice(missing.type_id)}, "
                        f"or leave {missing.type_id} out") from None
    if small is image:
        return objects.placement, objects.after
    size = (width, height)
    drawn = np.array(Image.fromarray(objects.after).resize(size, Image.Resampling.BILINEAR))
    touched = np.array(Image.fromarray(objects.edit_mask).resize(size, Image.Resampling.BILINEAR)) > 0
    return (np.array(Image.fromarray(objects.placement).resize(size, Image.Resampling.NEAREST)),
            np.where(touched[..., None], drawn, image))


def _advice(type_id: str) -> str:
    """What photo would show room for the object."""
    if type_id == "pool":
        return "a photo of the back garden shows where a pool could go"
    return "use a photo that shows more of the house and its surroundings"


def measured_for(image: np.ndarray, labels: np.ndarray, request: RenovationRequest) -> Measured | None:
    """The photo measured once (`surfaces.measure`) for all the request's drawn materials and frames; None when it
    has none."""
    catalog = load_catalog()
    if not any(catalog.type(choice.type_id).detail_drawn for choice in request.choices):
        return None
    return measure(image, labels)


def detail_drawing(image: np.ndarray, labels: np.ndarray, request: RenovationRequest,
                   measured: Measured | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(drawn HxWx3 uint8, cover HxW float32, partial HxW bool) at the photo's size: the re-surfacing of the
    request's detail-drawn types, how much of each pixel it covers, and their label regions, where only what is
    drawn may change (a driveway's ground beyond the paving, what stands in front of a wall or roof stays);
    None when the request has none."""
    catalog = load_catalog()
    textured = tuple(choice for choice in request.choices if catalog.type(choice.type_id).detail_drawn
                     and not frames_drawn(catalog.type(choice.type_id)))  # new frames are laid after the composite
    if not textured:
        return None
    drawn, cover = image.copy(), np.zeros(labels.shape, np.float32)
    measured = measured or measure(image, labels)
    for choice in textured:
        surface, surface_cover = drawn_surface(image, labels, catalog.type(choice.type_id), choice,
                                               measured=measured)
        inside = surface_cover > 0
        drawn[inside] = surface[inside]
        cover = np.maximum(cover, surface_cover)
    return drawn, cover, np.isin(labels, [catalog.type(choice.type_id).region_id for choice in textured])
