"""The simulator's working state: the photo being renovated, the edit mask so far, and the helpers every
renovation type uses to put a new surface into the photo under the photo's own light."""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from renovate_net.simulator.scene import Scene, luminance, to_linear, to_srgb


class RegionMissing(ValueError):
    """The photo has no usable region for a renovation type (no roof, no free ground for a pool, ...):
    `reason` says why, `type_id` names the type (set by the simulator; the message is "type_id: reason")."""

    def __init__(self, reason: str, type_id: str = ""):
        super().__init__(f"{type_id}: {reason}" if type_id else reason)
        self.reason, self.type_id = reason, type_id


@dataclass
class Canvas:
    """The after image in progress (float32 sRGB), its edit alpha, and what added objects now cover."""
    scene: Scene
    image: np.ndarray
    mask: np.ndarray
    occupied: np.ndarray

    @classmethod
    def start(cls, scene: Scene) -> "Canvas":
        h, w = scene.labels.shape
        return cls(scene, scene.image.copy(), np.zeros((h, w), np.float32), np.zeros((h, w), bool))

    def free(self, name: str) -> np.ndarray:
        """Pixels of a label region that no added object covers yet."""
        return self.scene.region(name) & ~self.occupied

    def paint(self, rows: slice, cols: slice, rgb: np.ndarray, alpha: np.ndarray) -> None:
        """Blend `rgb` (crop, sRGB) over the crop with `alpha` and record alpha in the edit mask."""
        current = self.image[rows, cols]
        current += (rgb - current) * alpha[..., None]
        np.maximum(self.mask[rows, cols], alpha, out=self.mask[rows, cols])

    def darken(self, rows: slice, cols: slice, factor: np.ndarray) -> None:
        """Multiply the crop by `factor` (<= 1: a shadow) and record the changed pixels in the edit mask."""
        self.image[rows, cols] *= factor[..., None]
        np.maximum(self.mask[rows, cols], np.clip((1.0 - factor) * 8.0, 0.0, 1.0), out=self.mask[rows, cols])


def exposure(scene: Scene) -> np.ndarray:
    """How bright and what colour the photo's light makes a surface of albedo 1 at the median shading:
    a partial adaptation to the photo's overall level and cast (full adaptation would turn every new
    surface grey; none pastes studio-lit colours into a dim or warm photo), times the share of daylight the
    photo's light is (`Scene.daylight`: below 1 only at dusk and night, where a new surface is as dim as the
    photo)."""
    mean = scene.mean_linear + 1e-4
    level = float(np.clip((luminance(mean) / 0.2) ** 0.3, 0.75, 1.1)) * scene.daylight
    cast = (mean / mean.mean()) ** 0.25
    return (level * cast / cast.mean()).astype(np.float32)


def sky_seen(scene: Scene, elevation: np.ndarray) -> np.ndarray:
    """Linear RGB of the photo's sky at an elevation (radians; HxW): paler and brighter toward the horizon, as a
    clear sky is, the photo's own sky colour overhead (what water and glass mirror)."""
    sky = scene.sky_colour
    pale = np.full(3, float(luminance(sky)) * 1.25, np.float32) * 0.6 + sky * 0.4
    share = np.sqrt(np.clip(elevation / (np.pi / 2), 0.0, 1.0))[..., None]
    return (pale + (sky - pale) * share).astype(np.float32)


def relight(scene: Scene, albedo: np.ndarray, light: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """New surface = albedo x the photo's shading x exposure, softened and with the photo's noise (sRGB)."""
    albedo = cv2.GaussianBlur(albedo, (0, 0), 0.5)  # a camera never resolves a texture perfectly sharp
    rgb = to_srgb(to_linear(albedo) * light[..., None] * exposure(scene))
    return rgb + rng.normal(0.0, scene.noise, rgb.shape).astype(np.float32)


def feather(mask: np.ndarray, sigma: float = 0.6) -> np.ndarray:
    """A soft alpha from a hard mask: anti-aliased edges, exactly 0 far outside."""
    alpha = cv2.GaussianBlur(mask.astype(np.float32), (0, 0), sigma)
    alpha[alpha < 1.0 / 255] = 0.0
    return alpha
