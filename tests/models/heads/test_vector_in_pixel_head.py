"""VectorInPixelHead: squash, per-part vectors, merge of shared joints."""
import pytest
import torch

import mmposenas  # noqa: F401
from mmpose.registry import MODELS
from mmposenas.models.heads.vector_in_pixel_head import squash_length

PARTS = [['a', [0, 1]], ['b', [1, 2]]]  # joint 1 is in both parts


def head(**kw):
    cfg = dict(type='VectorInPixelHead', in_channels=3, out_channels=3,
               parts=dict(names=['a', 'b'], groups=[[0, 1], [1, 2]],
                          num_keypoints=3), vector_dim=2)
    cfg.update(kw)
    return MODELS.build(cfg)


def test_squash_length_hand_values_range_and_monotone():
    v = torch.tensor([[3.0, 4.0], [0.0, 0.0], [0.5, 0.0]])
    assert torch.allclose(squash_length(v, dim=1),
                          torch.tensor([25 / 26, 0.0, 0.25 / 1.25]))
    norms = torch.linspace(0, 50, 200)
    s = squash_length(torch.stack([norms, torch.zeros_like(norms)], 1), 1)
    assert (s >= 0).all() and (s < 1).all()
    assert (s[1:] > s[:-1]).all()
    # the gradient is finite at v = 0
    z = torch.zeros(1, 4, requires_grad=True)
    squash_length(z, 1).sum().backward()
    assert torch.isfinite(z.grad).all()


def set_conv2d(layer, weight):
    conv = layer.layers[1]
    with torch.no_grad():
        conv.weight.copy_(weight.view(conv.weight.shape))
        conv.bias.zero_()


def test_conv2d_vectors_and_mean_merge_of_shared_joint():
    h = head()
    # part a: joint 0 -> v = (x0, 0), joint 1 -> v = (0, x1)
    set_conv2d(h.part_layers[0], torch.tensor(
        [[1., 0, 0], [0, 0, 0], [0, 0, 0], [0, 1., 0]]))
    # part b: joint 1 -> v = (x2, x2), joint 2 -> v = (2 x0, 0)
    set_conv2d(h.part_layers[1], torch.tensor(
        [[0., 0, 1], [0, 0, 1], [2., 0, 0], [0, 0, 0]]))
    x = torch.tensor([1.0, 2.0, 0.5]).view(1, 3, 1, 1)
    out = h((x, x)).flatten()
    s = lambda n2: n2 / (1 + n2)  # noqa: E731
    expected = torch.tensor([s(1.0), (s(4.0) + s(0.5)) / 2, s(4.0)])
    assert torch.allclose(out, expected)
    h_sum = head(merge='sum')
    h_sum.load_state_dict(h.state_dict())
    out = h_sum((x, x)).flatten()
    assert torch.allclose(out[1], torch.tensor(s(4.0) + s(0.5)))
    # ReLU before the vectors: a negative input feature contributes nothing
    neg = torch.tensor([-1.0, 2.0, 0.5]).view(1, 3, 1, 1)
    assert h((neg, neg)).flatten()[0] == 0


def test_conv3d_mode_reads_a_feature_volume():
    h = head(mode='conv3d')
    layer = h.part_layers[0]
    with torch.no_grad():
        layer.layers[0].weight.zero_()
        layer.layers[0].bias.copy_(torch.arange(6.0))  # (C=3, d=2) volume
        layer.conv3d.weight.zero_()
        layer.conv3d.bias.zero_()
        layer.conv3d.weight[0, 2] = 1.0  # joint 0 reads channel 2: (4, 5)
    v = layer(torch.randn(1, 3, 2, 2))
    assert v.shape == (1, 2, 2, 2, 2)
    assert torch.allclose(v[0, 0, :, 0, 0], torch.tensor([4.0, 5.0]))
    assert torch.equal(v[0, 1], torch.zeros(2, 2, 2))


def test_config_errors():
    h = head(vector_dim=1)
    with pytest.raises(ValueError, match='out_channels=4'):
        head(out_channels=4)
    with pytest.raises(ValueError, match='mode must be one of'):
        head(mode='conv1d')
    with pytest.raises(ValueError, match='expects 2 part representations'):
        h((torch.randn(1, 3, 2, 2), ))
