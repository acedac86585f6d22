"""Every candidate op against an independent torch.nn.functional reference.

The references are written from the op definitions (DARTS order ReLU-Conv-BN,
the shapes in ``ops.py``'s docstring) with the module's own weights and
BatchNorm statistics, in eval mode, in float64:

* dilated kernels become ordinary kernels with zeros inserted between taps;
* depthwise convolutions are one ``F.conv2d`` per channel;
* max pooling is a max over shifted copies of a ``-inf``-padded input;
* average pooling without padded cells is a window sum over a count of real
  cells (``count_include_pad=False``);
* factorized reduce reads the even pixels for one half of the channels and the
  odd ones (zero past the border) for the other, as 1x1 matrix products.
"""
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

from mmposenas.models.search import OPS, build_op
from mmposenas.models.search.ops import (DilConv, FactorizedReduce,
                                         ReLUConvBN, SepConv)


def bn(x, m):
    """Inference BatchNorm with the module's statistics and affine params."""
    shape = (1, -1, 1, 1)
    y = (x - m.running_mean.view(shape)) / torch.sqrt(
        m.running_var.view(shape) + m.eps)
    if m.affine:
        y = y * m.weight.view(shape) + m.bias.view(shape)
    return y


def dilate_kernel(w, d):
    """(O, I, k, k) -> (O, I, (k-1)d+1, (k-1)d+1) with zeros between taps."""
    if d == 1:
        return w
    o, i, kh, kw = w.shape
    out = w.new_zeros(o, i, (kh - 1) * d + 1, (kw - 1) * d + 1)
    out[:, :, ::d, ::d] = w
    return out


#: (kernel, dilation) of the spatial convolution of each op, from the names
#: (DARTS: sep/dil/dw convs; "atrous" = dilation 2); padding keeps the size.
SPEC = {'sep_conv_3x3': (3, 1), 'sep_conv_5x5': (5, 1),
        'dil_conv_3x3': (3, 2), 'dil_conv_5x5': (5, 2),
        'dw_conv_7x7': (7, 1), 'conv_1x1': (1, 1), 'conv_3x3': (3, 1),
        'conv_5x5': (5, 1), 'atrous_conv_3x3': (3, 2)}


def conv(x, m, spec=None, stride=None):
    """An nn.Conv2d by definition: depthwise convs channel by channel,
    dilation by a zero-inserted kernel. ``spec`` (kernel, dilation) and
    ``stride`` come from the op's definition, not from the module."""
    k, d = spec or (m.kernel_size[0], 1)
    assert tuple(m.weight.shape[-2:]) == (k, k), (m, spec)
    stride = stride or 1
    pad = d * (k - 1) // 2
    w = dilate_kernel(m.weight, d)
    if m.groups == 1:
        return F.conv2d(x, w, None, stride, pad)
    assert m.groups == x.shape[1] == m.out_channels
    return torch.cat([
        F.conv2d(x[:, c:c + 1], w[c:c + 1], None, stride, pad)
        for c in range(x.shape[1])
    ], dim=1)


def relu_conv_bn(x, m: ReLUConvBN, spec=None, stride=1):
    _, c, norm = m.op
    return bn(conv(F.relu(x), c, spec, stride), norm)


def dil_conv(x, m: DilConv, spec, stride):
    _, depthwise, pointwise, norm = m.op
    return bn(conv(conv(F.relu(x), depthwise, spec, stride), pointwise),
              norm)


def factorized_reduce(x, m: FactorizedReduce):
    x = F.relu(x)
    h, w = x.shape[-2:]
    ho, wo = -(-h // 2), -(-w // 2)
    even = x[:, :, 0::2, 0::2]
    odd = x.new_zeros(x.shape[0], x.shape[1], ho, wo)
    odd_src = x[:, :, 1::2, 1::2]
    odd[:, :, :odd_src.shape[2], :odd_src.shape[3]] = odd_src
    a = torch.einsum('oc,bchw->bohw', m.conv_a.weight[:, :, 0, 0], even)
    b = torch.einsum('oc,bchw->bohw', m.conv_b.weight[:, :, 0, 0], odd)
    return bn(torch.cat([a, b], 1), m.bn)


def windows(x, stride, fill):
    """3x3 windows (padding 1): a (9, B, C, H', W') stack of shifted views."""
    xp = F.pad(x, (1, 1, 1, 1), value=fill)
    h, w = x.shape[-2:]
    ho, wo = -(-h // stride), -(-w // stride)
    return torch.stack([
        xp[:, :, dy:dy + h:stride, dx:dx + w:stride][:, :, :ho, :wo]
        for dy in range(3) for dx in range(3)
    ])


def pool(x, kind, stride):
    if kind == 'max':
        return windows(x, stride, float('-inf')).amax(0)
    total = windows(x, stride, 0.0).sum(0)
    count = windows(torch.ones_like(x), stride, 0.0).sum(0)
    return total / count


def reference(name, m, x, c_in, c_out, stride):
    if name == 'zero':
        h, w = x.shape[-2:]
        return x.new_zeros(x.shape[0], c_out, -(-h // stride),
                           -(-w // stride))
    if name == 'skip_connect':
        if stride == 2:
            return factorized_reduce(x, m)
        return x if c_in == c_out else relu_conv_bn(x, m)
    if name in ('max_pool_3x3', 'avg_pool_3x3'):
        y = pool(x, name[:3], stride)
        return y if c_in == c_out else relu_conv_bn(y, m[1])
    if name.startswith('sep_conv'):
        first, second = m.op
        return dil_conv(dil_conv(x, first, SPEC[name], stride), second,
                        SPEC[name], 1)
    if name.startswith(('dil_conv', 'dw_conv')):
        return dil_conv(x, m, SPEC[name], stride)
    if name == 'conv_7x1_1x7':
        _, c17, c71, norm = m
        assert c17.weight.shape[-2:] == (1, 7)
        assert c71.weight.shape[-2:] == (7, 1)
        y = F.conv2d(F.relu(x), c17.weight, None, (1, stride), (0, 3))
        return bn(F.conv2d(y, c71.weight, None, (stride, 1), (3, 0)), norm)
    return relu_conv_bn(x, m, SPEC[name], stride)  # conv_kxk, atrous


def randomise_batchnorm(module, gen):
    for m in module.modules():
        if isinstance(m, nn.BatchNorm2d):
            n = m.num_features
            m.running_mean.copy_(torch.randn(n, generator=gen))
            m.running_var.copy_(torch.rand(n, generator=gen) + 0.5)
            if m.affine:
                m.weight.data.copy_(torch.randn(n, generator=gen))
                m.bias.data.copy_(torch.randn(n, generator=gen))


@pytest.mark.parametrize('name', sorted(OPS))  # every op, every run
@given(stride=st.sampled_from([1, 2]),
       c_in=st.integers(1, 5), c_out=st.integers(2, 6),
       h=st.integers(3, 11), w=st.integers(3, 11), batch=st.integers(1, 2),
       affine=st.booleans(), same_channels=st.booleans(),
       seed=st.integers(0, 2**16))
def test_op_matches_functional_reference(name, stride, c_in, c_out, h, w,
                                         batch, affine, same_channels, seed):
    if same_channels:
        c_out = max(c_in, 2) if name == 'skip_connect' and stride == 2 \
            else c_in
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    op = build_op(name, c_in, c_out, stride, affine).double().eval()
    with torch.no_grad():
        randomise_batchnorm(op, gen)
        x = torch.randn(batch, c_in, h, w, generator=gen,
                        dtype=torch.float64)
        out = op(x)
        expected = reference(name, op, x, c_in, c_out, stride)
    assert out.shape == expected.shape == (batch, c_out, -(-h // stride),
                                           -(-w // stride))
    torch.testing.assert_close(out, expected, rtol=1e-9, atol=1e-9)
    if name != 'zero':  # the reference is not trivially zero
        assert expected.abs().max() > 0


def test_reference_helpers_are_checked_against_torch():
    """The zero-inserted kernel and count-excluding average are the
    definitions of dilation and count_include_pad=False."""
    x = torch.randn(2, 3, 7, 6, dtype=torch.float64)
    m = nn.Conv2d(3, 4, 3, padding=2, dilation=2, bias=False).double()
    torch.testing.assert_close(conv(x, m, (3, 2)), m(x))
    avg = nn.AvgPool2d(3, 2, 1, count_include_pad=False)
    torch.testing.assert_close(pool(x, 'avg', 2), avg(x))
    torch.testing.assert_close(pool(x, 'max', 1), F.max_pool2d(x, 3, 1, 1))
    assert isinstance(build_op('sep_conv_3x3', 2, 2), SepConv)
