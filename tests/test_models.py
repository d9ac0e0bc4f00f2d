"""Every registered generator and discriminator: forward + backward, finite, every parameter gets a gradient
(timm's test discipline), plus the output contract the renderer relies on."""
from __future__ import annotations

import pytest
import torch

from model_fixtures import SIZE, SMALL, batch, run_generator
from renovate_net.labels import NUM_LABELS
from renovate_net.models import available, create
from renovate_net.models.generator import composite

def test_every_registered_network_has_test_arguments():
    registered = {(kind, name) for kind in ("generator", "discriminator") for name in available(kind)}
    assert registered == set(SMALL)


@pytest.mark.parametrize("name", available("generator"))
def test_generator_forward_backward(name):
    torch.manual_seed(0)
    model = create("generator", name, **SMALL[("generator", name)]).train()
    b = batch()
    out = run_generator(model, b)
    for key in ("rgb", "alpha", "after"):
        assert out[key].shape[-2:] == (SIZE, SIZE) and torch.isfinite(out[key]).all(), key
        assert out[key].min() >= 0 and out[key].max() <= 1, key
    assert torch.allclose(out["after"], composite(b["before"], out["rgb"], out["alpha"]))
    loss = (out["after"] - b["after"]).abs().mean()
    if "alpha_logit" in out:
        loss = loss + out["alpha_logit"].mean()
    loss.backward()
    for pname, param in model.named_parameters():
        assert param.grad is not None, f"{pname} got no gradient"
        assert torch.isfinite(param.grad).all(), pname
        assert param.grad.abs().sum() > 0, f"{pname} got a zero gradient"


@pytest.mark.parametrize("name", available("discriminator"))
def test_discriminator_forward_backward(name):
    torch.manual_seed(0)
    model = create("discriminator", name, **SMALL[("discriminator", name)]).train()
    b = batch()
    logits = model(b["after"], b["before"], b["labels"], b["active"], b["colour"])
    assert len(logits) == 2 and logits[0].shape[0] == 2 and logits[1].shape[-1] < logits[0].shape[-1]
    sum(l.mean() for l in logits).backward()
    for pname, param in model.named_parameters():
        assert param.grad is not None and torch.isfinite(param.grad).all(), pname
        assert param.grad.abs().sum() > 0, f"{pname} got a zero gradient"


def test_pix2pix_256_has_the_papers_parameter_count():
    count = sum(p.numel() for p in create("generator", "pix2pix_unet", num_types=0, num_labels=0).parameters())
    # Isola et al.'s U-Net-256 (3 input channels) has 54.41M parameters.
    assert abs(count - 54_414_000) < 10_000


def test_attention_unet_pretrained_encoder_keeps_imagenet_rgb_filters():
    from renovate_net.models.pretrained import imagenet_state_dict

    kwargs = dict(SMALL[("generator", "attention_unet")], pretrained=True)
    model = create("generator", "attention_unet", **kwargs)
    stem = model.encoder.conv_stem.weight
    reference = imagenet_state_dict()["conv_stem.weight"]
    assert stem.shape[1] == 3 + NUM_LABELS + 4
    assert torch.equal(stem[:, :3], reference) and not stem[:, 3:].any()
    assert torch.equal(model.encoder.blocks[3][0].conv_pw.weight,
                       imagenet_state_dict()["blocks.3.0.conv_pw.weight"])


def test_unknown_network_names_the_choices():
    with pytest.raises(ValueError, match="attention_unet"):
        create("generator", "unet9000")
