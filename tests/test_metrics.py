import numpy as np
import pytest
import torch

from renovate_net import metrics


def images(seed=0, n=2, size=32):
    return torch.rand(n, 3, size, size, generator=torch.Generator().manual_seed(seed))


def test_identical_images():
    x = images()
    assert torch.all(metrics.l1(x, x) == 0)
    assert torch.all(metrics.psnr(x, x) == 100.0)
    assert torch.allclose(metrics.ssim(x, x), torch.ones(2), atol=1e-5)


def test_known_psnr_and_shifted_colours():
    x = images() * 0.8
    shifted = x + 0.1  # MSE 0.01 -> PSNR 20 dB exactly
    assert torch.allclose(metrics.l1(shifted, x), torch.full((2,), 0.1), atol=1e-6)
    assert torch.allclose(metrics.psnr(shifted, x), torch.full((2,), 20.0), atol=1e-3)
    assert torch.all(metrics.ssim(shifted, x) < 0.999)
    assert torch.all(metrics.ssim(torch.rand_like(x), x) < 0.2)


def test_mask_restricts_the_measure():
    x = images()
    y = x.clone()
    y[:, :, :16] += 0.2
    top = torch.zeros(2, 1, 32, 32)
    top[:, :, :16] = 1
    assert torch.allclose(metrics.l1(y, x, top), torch.full((2,), 0.2), atol=1e-6)
    assert torch.all(metrics.l1(y, x, 1 - top) == 0)


def test_preservation_max_diff():
    before = np.zeros((8, 8, 3), np.uint8)
    after = before.copy()
    after[0, 0] = 200
    after[5, 5, 1] = 3
    mask = np.zeros((8, 8), np.uint8)
    mask[0, 0] = 255
    assert metrics.max_abs_diff_outside(after, before, mask) == 3


@pytest.mark.parametrize("lab1, lab2, expected", [  # Sharma, Wu, Dalal 2005, table 1
    ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
    ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
    ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
    ((2.0776, 0.0795, -1.1350), (0.9033, -0.0636, -0.5514), 0.9082),
])
def test_ciede2000_reference_pairs(lab1, lab2, expected):
    assert metrics.ciede2000(np.array(lab1), np.array(lab2)) == pytest.approx(expected, abs=1e-4)


def test_kid_and_frechet():
    rng = np.random.default_rng(0)
    real = rng.normal(size=(200, 16))
    same = rng.normal(size=(200, 16))
    shifted = rng.normal(size=(200, 16)) + 1.0
    assert abs(metrics.kid(real, same)) < 0.02
    assert metrics.kid(real, shifted) > 10 * abs(metrics.kid(real, same))
    assert metrics.frechet_distance(real, real) == pytest.approx(0.0, abs=1e-6)
    assert metrics.frechet_distance(real, shifted) == pytest.approx(16.0, rel=0.2)


def test_perceptual_distance_orders_images():
    features = metrics.Lite0Features(pretrained=False)
    x = images(size=64)
    near = (x + 0.02 * torch.randn_like(x)).clamp(0, 1)
    far = images(seed=5, size=64)
    d_same = metrics.perceptual(features, x, x)
    assert torch.allclose(d_same, torch.zeros(2), atol=1e-6)
    assert torch.all(metrics.perceptual(features, x, near) < metrics.perceptual(features, x, far))


def test_realism_embedding_is_the_classifier_input():
    features = metrics.Lite0Features(pretrained=False)
    pooled = features.pooled(images(size=64))
    assert pooled.shape == (2, 1280)
    assert pooled.min() >= 0 and pooled.max() <= 6  # after ReLU6
