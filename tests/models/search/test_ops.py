import pytest
import torch

from mmposenas.models.search import OP_SETS, OPS, build_op, resolve_op_names

REQUIRED = [
    'zero', 'skip_connect', 'sep_conv_3x3', 'sep_conv_5x5', 'dil_conv_3x3',
    'dil_conv_5x5', 'max_pool_3x3', 'avg_pool_3x3', 'conv_1x1', 'conv_3x3',
    'conv_5x5', 'atrous_conv_3x3', 'dw_conv_7x7', 'conv_7x1_1x7'
]


def test_every_required_op_is_buildable_by_name():
    assert set(REQUIRED) <= set(OPS)


@pytest.mark.parametrize('name', REQUIRED)
@pytest.mark.parametrize('stride', [1, 2])
@pytest.mark.parametrize('c_in,c_out', [(6, 6), (4, 8)])
@pytest.mark.parametrize('size', [(9, 7), (8, 8)])
def test_op_output_shape(name, stride, c_in, c_out, size):
    op = build_op(name, c_in, c_out, stride, affine=True)
    x = torch.randn(2, c_in, *size)
    y = op(x)
    h, w = size
    assert y.shape == (2, c_out, -(-h // stride), -(-w // stride))


def test_skip_connect_is_identity_at_stride_one():
    op = build_op('skip_connect', 5, 5, 1)
    x = torch.randn(1, 5, 4, 4)
    assert torch.equal(op(x), x)


def test_zero_outputs_zeros():
    assert not build_op('zero', 3, 3, 2)(torch.randn(1, 3, 5, 5)).any()


def test_op_sets_resolve_and_reject_bad_names():
    for name, ops in OP_SETS.items():
        assert resolve_op_names(name) == ops
    assert resolve_op_names(['zero', 'conv_3x3']) == ['zero', 'conv_3x3']
    with pytest.raises(ValueError, match='unknown op set'):
        resolve_op_names('nope')
    with pytest.raises(ValueError, match=r"unknown op name\(s\) \['conv_9x9'\]"):
        resolve_op_names(['conv_3x3', 'conv_9x9'])
    with pytest.raises(ValueError, match='more than once'):
        resolve_op_names(['conv_3x3', 'conv_3x3'])
    with pytest.raises(ValueError, match='stride'):
        build_op('conv_3x3', 3, 3, 3)


@pytest.mark.parametrize('affine', [False, True])
@pytest.mark.parametrize('name,stride,c_in,c_out', [
    ('skip_connect', 2, 4, 4), ('skip_connect', 1, 2, 4),
    ('conv_7x1_1x7', 1, 4, 4), ('conv_1x1', 1, 4, 4), ('avg_pool_3x3', 1, 2, 4),
    ('sep_conv_3x3', 2, 4, 4), ('dil_conv_3x3', 1, 4, 4)])
def test_affine_reaches_every_batch_norm(name, stride, c_in, c_out, affine):
    """DARTS search builds its candidates without BN affine parameters."""
    op = build_op(name, c_in, c_out, stride, affine)
    bns = [m for m in op.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    assert bns and all(bn.affine is affine for bn in bns)
    assert all(m.bias is None for m in op.modules()
               if isinstance(m, torch.nn.Conv2d))  # BN follows every conv


def test_mixed_op_repr_and_channel_shuffle_over_rows():
    from mmposenas.models.search import MixedOp
    from mmposenas.models.search.mixed import channel_shuffle
    assert 'partial_channels=2' in repr(
        MixedOp(['skip_connect'], 4, 4, partial_channels=2))
    assert 'partial_channels' not in repr(MixedOp(['skip_connect'], 4, 4))
    # two rows: the shuffle moves channels, never rows
    x = torch.arange(12.).view(1, 6, 2, 1)
    out = channel_shuffle(x, 2)
    assert out[0, :, :, 0].tolist() == [[0, 1], [6, 7], [2, 3], [8, 9],
                                        [4, 5], [10, 11]]


def test_only_zero_selected_gives_zeros_of_the_output_shape():
    from mmposenas.models.search import MixedOp
    from mmposenas.models.search.ops import FactorizedReduce
    assert FactorizedReduce(4, 4).bn.affine  # affine by default
    op = MixedOp(['zero', 'skip_connect'], 4, 6, stride=2)
    w = torch.tensor([0.7, 0.3], requires_grad=True)
    out = op(torch.randn(2, 4, 5, 5), w, active=[True, False])
    assert out.shape == (2, 6, 3, 3) and not out.any()
    out.sum().backward()  # the graph reaches the weights
    assert w.grad is not None


def test_defaults_of_the_op_builders_and_mixed_op():
    from mmposenas.models.search import MixedOp
    from mmposenas.models.search.ops import DilConv, ReLUConvBN, SepConv

    def affine(module):
        return {m.affine for m in module.modules()
                if isinstance(m, torch.nn.BatchNorm2d)}

    x = torch.randn(1, 4, 6, 6)
    op = build_op('conv_3x3', 4, 4)  # stride 1, affine BN by default
    assert op(x).shape == (1, 4, 6, 6) and affine(op) == {True}
    for module in (ReLUConvBN(4, 4, 1, 1, 0), DilConv(4, 4, 3, 1, 2, 2),
                   SepConv(4, 4, 3, 1, 1)):
        assert affine(module) == {True}
    dil = DilConv(4, 6, 3, 1, 2, 2)
    assert [c.groups for c in dil.modules()
            if isinstance(c, torch.nn.Conv2d)] == [4, 1]  # depthwise first
    mixed = MixedOp(['conv_3x3', 'skip_connect'], 4, 4)
    assert mixed(x, torch.tensor([0.5, 0.5])).shape == (1, 4, 6, 6)
    assert affine(mixed) == {False}  # DARTS search: no BN affine
    assert affine(MixedOp(['conv_3x3'], 4, 4, affine=True)) == {True}
    with pytest.raises(ValueError, match='partial_channels'):
        MixedOp(['conv_3x3'], 4, 6, partial_channels=2)


@pytest.mark.parametrize('name', sorted(OPS))
def test_no_candidate_changes_its_input(name):
    """The candidates of an edge share its input node: an in-place ReLU in
    one of them would change what the others see."""
    x = torch.randn(1, 4, 6, 6)
    before = x.clone()
    build_op(name, 4, 4, 1)(x)
    assert torch.equal(x, before)
