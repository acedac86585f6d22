"""PyramidPoolingNeck: channels, bins, pooled values, pass-through."""
import pytest
import torch
from mmpose.registry import MODELS

import mmposenas  # noqa: F401


def _neck(**kwargs):
    cfg = dict(type='PyramidPoolingNeck', in_channels=8)
    cfg.update(kwargs)
    return MODELS.build(cfg).eval()


@pytest.mark.parametrize('bins, branch', [((1, 2, 3, 6), 2),
                                          ((1, 6, 12, 18), 2),
                                          ((1, 2, 3, 6, 12, 18), 1)])
def test_output_channels_and_input_kept(bins, branch):
    neck = _neck(bins=bins)
    assert neck.branch_channels == branch  # in_channels // len(bins)
    assert neck.out_channels == 8 + len(bins) * branch
    x = torch.randn(2, 8, 18, 18)
    skip = torch.randn(2, 4, 36, 36)
    out = neck((skip, x))
    assert len(out) == 2 and out[0] is skip  # earlier maps pass through
    assert out[1].shape == (2, neck.out_channels, 18, 18)
    torch.testing.assert_close(out[1][:, :8], x)  # input first, unchanged
    # each branch pools to its own grid
    for i, b in enumerate(bins):
        assert neck.pool_branch(x, i).shape == (2, branch, b, b)


def _identity_branches(neck):
    """1x1 convs summing the input channels; BN as identity."""
    for branch in neck.branches:
        torch.nn.init.constant_(branch.conv.weight, 1.)
        bn = branch.bn
        bn.running_mean.zero_()
        bn.running_var.fill_(1. - bn.eps)  # 1 / sqrt(var + eps) = 1
        bn.weight.data.fill_(1.)
        bn.bias.data.zero_()


def test_constant_map_gives_known_pooled_values():
    neck = _neck(in_channels=3, bins=(1, 2, 3), branch_channels=2)
    _identity_branches(neck)
    x = torch.empty(1, 3, 6, 6)
    x[:, 0], x[:, 1], x[:, 2] = 1.5, -0.5, 2.0
    out = neck(x)[0]
    # every branch: ReLU(1.5 - 0.5 + 2.0) = 3 at every position
    torch.testing.assert_close(out[0, 3:], torch.full((6, 6, 6), 3.))
    # negative sum -> ReLU gives 0
    out_neg = neck(-x)[0]
    assert torch.all(out_neg[0, 3:] == 0)


def test_step_map_pools_per_bin():
    neck = _neck(in_channels=1, bins=(1, 2), branch_channels=1)
    _identity_branches(neck)
    x = torch.zeros(1, 1, 4, 4)
    x[..., 2:] = 4.  # right half
    x[..., :2, :2] = 2.  # top-left quarter
    torch.testing.assert_close(neck.pool_branch(x, 0),
                               torch.full((1, 1, 1, 1), 2.5))
    torch.testing.assert_close(neck.pool_branch(x, 1),
                               torch.tensor([[[[2., 4.], [0., 4.]]]]))
    out = neck(x)[0]
    torch.testing.assert_close(out[0, 1], torch.full((4, 4), 2.5))
    # bilinear upsampling of the 2x2 grid keeps the corner values
    assert out[0, 2, 0, 0] == 2. and out[0, 2, 3, 3] == 4.
    assert out[0, 2, 3, 0] == 0.


def test_bad_input_and_bins_fail_clearly():
    with pytest.raises(ValueError, match='bins'):
        _neck(bins=())
    with pytest.raises(ValueError, match=r'expects \(B, 8, H, W\)'):
        _neck()(torch.zeros(1, 4, 6, 6))
