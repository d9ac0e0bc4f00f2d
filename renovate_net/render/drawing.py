"""The simulator's drawings that render lays into a photo: the added objects (pool, garage, solar panels) where
the simulator places them, and the fine texture of re-surfacing types whose catalog entry says `detail_drawn`
(brick slips and boards, roof tiles and slates, pavers and gravel). All at the photo's size, with a fixed seed,
so a photo always gets the same layout. Walls are drawn at full resolution by `walls.py`, which also keeps what
stands in front of them."""
from __future__ import annotations

import numpy as np
from PIL import Image

from renovate_net.catalog import load_catalog
from renovate_net.errors import UserError
from renovate_net.request import RenovationRequest
from renovate_net.render.walls import drawn_wall
from renovate_net.resize import resize_pair
from renovate_net.simulator.renovation import RegionMissing, added_objects, resurfaced

DETAIL_SIZE = 768   # long side (px) up to which the simulator draws detail_drawn materials


def added_object_drawing(image: np.ndarray, labels: np.ndarray, request: RenovationRequest,
                         layout_size: int) -> tuple[np.ndarray, np.ndarray]:
    """(placement HxW, drawn HxWx3 uint8) at the photo's size: where the request's added objects stand and the
    photo with them drawn, laid out on the photo resized to `layout_size`, as the generator's training photos
    were (its contract's layout size). A photo with no room for one is a one-line UserError."""
    small, small_labels = resize_pair(image, labels, layout_size)
    try:
        objects = added_objects(small, small_labels, request)
    except RegionMissing as missing:
        raise UserError(f"--type {missing.type_id}: {missing.reason} in this photo; use a photo that shows more "
                        f"of the house and its surroundings, or leave {missing.type_id} out") from None
    size = image.shape[1::-1]
    return (np.array(Image.fromarray(objects.placement).resize(size, Image.Resampling.NEAREST)),
            np.array(Image.fromarray(objects.after).resize(size, Image.Resampling.BILINEAR)))


def detail_drawing(image: np.ndarray, labels: np.ndarray,
                   request: RenovationRequest) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(drawn HxWx3 uint8, cover HxW float32, partial HxW bool) at the photo's size: the re-surfacing of the
    request's detail-drawn types, how much of each pixel it covers, and the label regions where only what is
    drawn may change (a driveway's ground, a drawn wall's objects in front of it stay); None when the request
    has none. Walls are drawn at full size, the other types by the simulator at up to DETAIL_SIZE px."""
    catalog = load_catalog()
    textured = tuple(choice for choice in request.choices if catalog.type(choice.type_id).detail_drawn)
    if not textured:
        return None
    walls = tuple(choice for choice in textured if catalog.type(choice.type_id).edits == "wall")
    others = tuple(choice for choice in textured if choice not in walls)
    drawn, cover = (image.copy(), np.zeros(labels.shape, np.float32)) if not others else \
        _simulator_drawing(image, labels, RenovationRequest(others))
    for choice in walls:
        wall, wall_cover = drawn_wall(image, labels, choice, catalog.type(choice.type_id).material(choice.material_id))
        inside = wall_cover > 0
        drawn[inside] = wall[inside]
        cover = np.maximum(cover, wall_cover)
    partial = [catalog.type(choice.type_id).region_id for choice in textured
               if catalog.type(choice.type_id).partial_region or choice in walls]
    return drawn, cover, np.isin(labels, partial)


def _simulator_drawing(image: np.ndarray, labels: np.ndarray,
                       request: RenovationRequest) -> tuple[np.ndarray, np.ndarray]:
    """(drawn, cover) of the simulator's re-surfacing, drawn at up to DETAIL_SIZE px and resized to the photo."""
    height, width = labels.shape
    small, small_labels = (image, labels) if max(height, width) <= DETAIL_SIZE else \
        resize_pair(image, labels, DETAIL_SIZE)
    sketch = resurfaced(small, small_labels, request, load_catalog())
    drawn, cover = sketch.after, sketch.edit_mask
    if small is not image:
        drawn = np.array(Image.fromarray(drawn).resize((width, height), Image.Resampling.BILINEAR))
        cover = np.array(Image.fromarray(cover).resize((width, height), Image.Resampling.BILINEAR))
    return drawn, cover
