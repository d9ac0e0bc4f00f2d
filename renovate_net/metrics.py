"""Image-quality measures: edit-region L1 / PSNR / SSIM, preservation, CIEDE2000,
a perceptual distance and realism (KID, Frechet distance) on EfficientNet-Lite0 features.

Images are float tensors in [0, 1], shape [N, 3, H, W]; masks are [N, 1, H, W] in {0, 1} (or soft).
SSIM follows Wang et al. 2004 (11x11 Gaussian window, sigma 1.5); CIEDE2000 follows Sharma et al. 2005;
KID follows Binkowski et al. 2018 (unbiased MMD^2, cubic polynomial kernel).
"""
from __future__ import annotations


import numpy as np
import torch
import torch.nn.functional as F


def _masked_mean(values: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """Per-sample mean of `values` [N, C, H, W] over the mask (all pixels if None) -> [N]."""
    if mask is None:
        return values.flatten(1).mean(1)
    weight = mask.expand_as(values)
    return (values * weight).flatten(1).sum(1) / weight.flatten(1).sum(1).clamp_min(1e-8)


def l1(pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    """Mean absolute error per sample, over the mask."""
    return _masked_mean((pred - target).abs(), mask)


def psnr(pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    """Peak signal-to-noise ratio (dB, peak 1.0) per sample, over the mask; capped at 100 dB for identity."""
    mse = _masked_mean((pred - target) ** 2, mask)
    return (10 * torch.log10(1.0 / mse.clamp_min(1e-10))).clamp_max(100.0)


def _gaussian_window(size: int = 11, sigma: float = 1.5) -> torch.Tensor:
    coords = torch.arange(size, dtype=torch.float32) - size // 2
    g = torch.exp(-coords ** 2 / (2 * sigma ** 2))
    g = g / g.sum()
    return g[:, None] * g[None, :]


def ssim_map(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Per-pixel SSIM [N, C, H, W] (reflect-padded so the map keeps the image size)."""
    channels = pred.shape[1]
    window = _gaussian_window().to(pred)[None, None].repeat(channels, 1, 1, 1)

    def blur(x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(F.pad(x, (5, 5, 5, 5), mode="reflect"), window, groups=channels)

    c1, c2 = 0.01 ** 2, 0.03 ** 2
    mu_p, mu_t = blur(pred), blur(target)
    var_p = blur(pred * pred) - mu_p ** 2
    var_t = blur(target * target) - mu_t ** 2
    cov = blur(pred * target) - mu_p * mu_t
    return ((2 * mu_p * mu_t + c1) * (2 * cov + c2)) / ((mu_p ** 2 + mu_t ** 2 + c1) * (var_p + var_t + c2))


def ssim(pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    """Mean SSIM per sample, over the mask."""
    return _masked_mean(ssim_map(pred, target), mask)


def max_abs_diff_outside(output: np.ndarray, before: np.ndarray, edit_mask: np.ndarray) -> int:
    """Largest change (uint8 levels) where the edit mask is 0: the preservation measure."""
    outside = edit_mask == 0
    if not outside.any():
        return 0
    diff = np.abs(output.astype(np.int16) - before.astype(np.int16)).max(axis=-1)
    return int(diff[outside].max())


def ciede2000(lab1: np.ndarray, lab2: np.ndarray) -> np.ndarray:
    """CIEDE2000 colour difference between Lab arrays of shape (..., 3)."""
    lab1, lab2 = np.asarray(lab1, np.float64), np.asarray(lab2, np.float64)
    l1_, a1, b1 = lab1[..., 0], lab1[..., 1], lab1[..., 2]
    l2_, a2, b2 = lab2[..., 0], lab2[..., 1], lab2[..., 2]
    c_bar = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(c_bar ** 7 / (c_bar ** 7 + 25 ** 7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.degrees(np.arctan2(b1, a1p)) % 360
    h2p = np.degrees(np.arctan2(b2, a2p)) % 360
    dl, dc = l2_ - l1_, c2p - c1p
    dh = h2p - h1p
    dh = np.where(dh > 180, dh - 360, np.where(dh < -180, dh + 360, dh))
    dh = np.where(c1p * c2p == 0, 0, dh)
    d_big_h = 2 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh) / 2)
    l_bar, c_bar_p = (l1_ + l2_) / 2, (c1p + c2p) / 2
    h_sum = h1p + h2p
    h_bar = np.where(np.abs(h1p - h2p) > 180, np.where(h_sum < 360, (h_sum + 360) / 2, (h_sum - 360) / 2),
                     h_sum / 2)
    h_bar = np.where(c1p * c2p == 0, h_sum, h_bar)
    t = (1 - 0.17 * np.cos(np.radians(h_bar - 30)) + 0.24 * np.cos(np.radians(2 * h_bar))
         + 0.32 * np.cos(np.radians(3 * h_bar + 6)) - 0.20 * np.cos(np.radians(4 * h_bar - 63)))
    s_l = 1 + 0.015 * (l_bar - 50) ** 2 / np.sqrt(20 + (l_bar - 50) ** 2)
    s_c = 1 + 0.045 * c_bar_p
    s_h = 1 + 0.015 * c_bar_p * t
    r_t = (-2 * np.sqrt(c_bar_p ** 7 / (c_bar_p ** 7 + 25 ** 7))
           * np.sin(np.radians(60 * np.exp(-(((h_bar - 275) / 25) ** 2)))))
    return np.sqrt((dl / s_l) ** 2 + (dc / s_c) ** 2 + (d_big_h / s_h) ** 2
                   + r_t * (dc / s_c) * (d_big_h / s_h))


class Lite0Features(torch.nn.Module):
    """Frozen ImageNet EfficientNet-Lite0 feature maps (5 scales) for perceptual and realism measures."""

    def __init__(self, pretrained: bool = True):
        super().__init__()
        import timm

        from renovate_net.models.pretrained import MEAN, STD, load_imagenet

        full = timm.create_model("efficientnet_lite0", pretrained=False)
        if pretrained:
            load_imagenet(full)
        # The feature maps come from the same weights (features_only keeps the full model's key names).
        self.net = timm.create_model("efficientnet_lite0", features_only=True, pretrained=False)
        weights = full.state_dict()
        self.net.load_state_dict({key: weights[key] for key in self.net.state_dict()}, strict=True)
        # The classifier's own input: conv_head + BN + ReLU6 over the last feature map (as Inception's pool3).
        self.head = torch.nn.Sequential(full.conv_head, full.bn2)
        self.eval().requires_grad_(False)
        self.register_buffer("mean", torch.tensor(MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(STD).view(1, 3, 1, 1))

    def forward(self, images: torch.Tensor) -> list[torch.Tensor]:
        return self.net((images - self.mean) / self.std)

    def pooled(self, images: torch.Tensor) -> torch.Tensor:
        """The realism embedding [N, 1280]: the classifier's input, global-average-pooled, in [0, 6]."""
        return self.head(self.forward(images)[-1]).mean(dim=(2, 3))


def perceptual(features: Lite0Features, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """LPIPS-style distance per sample: channel-normalised feature differences, averaged over scales
    (equal weights: LPIPS's learned linear layers need a hub download we do not have)."""
    total = torch.zeros(pred.shape[0], device=pred.device)
    feats_p, feats_t = features(pred), features(target)
    for fp, ft in zip(feats_p, feats_t):
        fp = fp / (fp.norm(dim=1, keepdim=True) + 1e-10)
        ft = ft / (ft.norm(dim=1, keepdim=True) + 1e-10)
        total += ((fp - ft) ** 2).sum(1).mean(dim=(1, 2))
    return total / len(feats_p)


def kid(real: np.ndarray, fake: np.ndarray, subsets: int = 20, subset_size: int = 50, seed: int = 0) -> float:
    """Kernel Inception Distance on feature rows (N, D): mean unbiased MMD^2 over random subsets."""
    rng = np.random.default_rng(seed)
    size = min(subset_size, len(real), len(fake))
    if size < 2:
        raise ValueError("KID needs at least 2 samples on each side")
    dim = real.shape[1]
    scores = []
    for _ in range(subsets):
        x = real[rng.choice(len(real), size, replace=False)].astype(np.float64)
        y = fake[rng.choice(len(fake), size, replace=False)].astype(np.float64)
        k_xx = (x @ x.T / dim + 1) ** 3
        k_yy = (y @ y.T / dim + 1) ** 3
        k_xy = (x @ y.T / dim + 1) ** 3
        off = 1 - np.eye(size)
        scores.append((k_xx * off).sum() / (size * (size - 1)) + (k_yy * off).sum() / (size * (size - 1))
                      - 2 * k_xy.mean())
    return float(np.mean(scores))


def frechet_distance(real: np.ndarray, fake: np.ndarray) -> float:
    """Frechet distance between Gaussians fitted to feature rows (N, D) (as in FID)."""
    mu1, mu2 = real.mean(0), fake.mean(0)
    cov1, cov2 = np.cov(real, rowvar=False), np.cov(fake, rowvar=False)
    # sqrt of cov1 @ cov2 through the symmetric form cov1^1/2 cov2 cov1^1/2 (real eigenvalues).
    vals, vecs = np.linalg.eigh(cov1)
    root1 = (vecs * np.sqrt(np.clip(vals, 0, None))) @ vecs.T
    middle = np.linalg.eigvalsh(root1 @ cov2 @ root1)
    trace_root = np.sqrt(np.clip(middle, 0, None)).sum()
    return float(((mu1 - mu2) ** 2).sum() + np.trace(cov1) + np.trace(cov2) - 2 * trace_root)


def to_tensor(image: np.ndarray) -> torch.Tensor:
    """HxWx3 uint8 -> [1, 3, H, W] float in [0, 1]."""
    return torch.from_numpy(np.array(image, dtype=np.float32)).permute(2, 0, 1)[None] / 255.0


__all__ = ["l1", "psnr", "ssim", "ssim_map", "max_abs_diff_outside", "ciede2000", "Lite0Features",
           "perceptual", "kid", "frechet_distance", "to_tensor"]
