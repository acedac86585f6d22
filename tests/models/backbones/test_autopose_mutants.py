"""AutoPoseBackbone: exact key maps, error messages and genotype extras.

Targets the surviving mutants of ``mmposenas/models/backbones/autopose.py``
(``supernet_key_map``, ``_genotype_branches``, ``derive_genotype``,
``set_derived_branches``).
"""
import copy
import re

import pytest
import torch
import torch.nn as nn
from mmpose.registry import MODELS

import mmposenas  # noqa: F401
from mmposenas.models.search import (CellGenotype, Genotype, GenotypeError,
                                     derive_cell)

CFG = dict(type='AutoPoseBackbone', stem_channels=4, channels=(2, 2, 4, 4),
           num_stages=2, modules_per_stage=1, bottleneck_expansion=2)
MASK = [[1, 0, 1, 0], [0, 0, 0, 1]]


@pytest.fixture(scope='module')
def pair():
    """A supernet (argmax conv_3x3 aggregation) and its fixed network."""
    torch.manual_seed(0)
    net = MODELS.build(CFG)
    with torch.no_grad():
        net.arch_params.alphas['aggregation'].zero_()
        net.arch_params.alphas['aggregation'][:, 1] = 1.0  # conv_3x3
    net.set_derived_branches(MASK)
    g = net.derive_genotype()
    return net, g, MODELS.build(dict(CFG, genotype=g))


def plain(g):
    """The genotype as a dict without the layout extras (free layout)."""
    d = copy.deepcopy(g.to_dict())
    for k in ('num_branches', 'branch_decisions', 'inactive_inputs',
              'num_stages', 'modules_per_stage'):
        d['extras'].pop(k)
    return d


def test_key_map_sends_restricted_aggregation_inputs_to_their_branches(pair):
    net, _, fixed = pair
    m = net.supernet_key_map(fixed)
    assert sorted(m) == sorted(fixed.state_dict())
    sd, fsd = net.state_dict(), fixed.state_dict()
    # only the affine BN parameters of the fixed net lack a supernet twin
    absent = {k for k, v in m.items() if v not in sd}
    assert absent and all(
        isinstance(dict(fixed.named_modules())[k.rsplit('.', 1)[0]],
                   nn.BatchNorm2d) and k.endswith(('.weight', '.bias'))
        for k in absent)
    p = 'layers.0.branches.0.aggregation.cell.'
    # branch 0 of module 0 reads branches (0, 2): fixed input 1 = branch 2,
    # its edge (node 0, input 1) = supernet edge 2 (node 0 reads 4 inputs)
    assert m[p + 'edges.1.op.1.weight'] == \
        p + 'edges.2.ops.conv_3x3.op.1.weight'
    assert m[p + 'edges.0.op.1.weight'] == \
        p + 'edges.0.ops.conv_3x3.op.1.weight'
    assert m[p + 'preprocess.1.op.op.1.weight'] == \
        p + 'preprocess.2.op.op.1.weight'
    # module 1 runs branch 3 alone: its only input is supernet input 3
    q = 'layers.1.branches.3.aggregation.cell.'
    assert m[q + 'preprocess.0.op.op.1.weight'] == \
        q + 'preprocess.3.op.op.1.weight'
    # node 1 reads (in0, in1, node0) in the fixed cell -> supernet edges
    # 4 + (0, 2, 4) = 4, 6, 8
    assert m[p + 'edges.4.op.1.weight'] == \
        p + 'edges.8.ops.conv_3x3.op.1.weight'
    assert m['stem.conv1.conv.weight'] == 'stem.conv1.conv.weight'
    # the shapes agree key by key (so the weights can be copied)
    assert all(fsd[k].shape == sd[v].shape for k, v in m.items()
               if k not in absent)


def test_key_map_forwards_the_callers_cell_inputs(pair):
    net, _, fixed = pair
    with pytest.raises(ValueError, match=r'got \[1\]'):
        net.supernet_key_map(
            fixed, {'layers.0.branches.0.individual.0.cell': [1]})
    # aggregation paths are always the fixed layer's sources
    m = net.supernet_key_map(
        fixed, {'layers.0.branches.0.aggregation.cell': [0, 1]})
    assert m == net.supernet_key_map(fixed)


def test_key_map_rejects_what_is_not_a_fixed_autopose(pair):
    net, _, _ = pair
    with pytest.raises(ValueError, match='^AutoPose: the fixed network must '
                       'be a fixed AutoPoseBackbone, got Linear$'):
        net.supernet_key_map(nn.Linear(2, 2))
    with pytest.raises(ValueError, match='got AutoPoseBackbone$'):
        net.supernet_key_map(net)


@pytest.mark.parametrize('key,value,text', [
    ('channels', (4, 4, 8, 8),
     'channels: fixed [4, 4, 8, 8] vs search [2, 2, 4, 4]'),
    ('stem_channels', 8, 'stem_channels: fixed 8 vs search 4'),
    ('bottleneck_expansion', 1, 'bottleneck_expansion: fixed 1 vs search 2'),
])
def test_key_map_names_the_width_that_differs(pair, key, value, text):
    net, g, _ = pair
    fixed = MODELS.build(dict(CFG, genotype=g, **{key: value}))
    with pytest.raises(ValueError) as err:
        net.supernet_key_map(fixed)
    msg = str(err.value)
    assert msg.startswith('AutoPose: cannot copy the supernet weights into '
                          'the fixed network because its widths differ (' +
                          text + '). ')


@pytest.mark.parametrize('key,value', [
    ('num_stages', 3), ('modules_per_stage', 2), ('branch_decisions', 'stage'),
    ('individual_nodes', 3), ('aggregation_nodes', 3),
    ('inactive_inputs', 'identity')])
def test_key_map_names_the_layout_that_differs(pair, key, value):
    net, g, _ = pair
    fixed = MODELS.build(dict(CFG, genotype=plain(g), branches='all',
                              **{key: value}))
    theirs, mine = repr(value), repr(getattr(net, key))
    with pytest.raises(ValueError, match='^' + re.escape(
            f'AutoPose: fixed network {key}={theirs}, supernet {mine}')
            + '$'):
        net.supernet_key_map(fixed)


@pytest.mark.parametrize('key,value', [
    ('branch_decisions', 'stage'), ('inactive_inputs', 'identity'),
    ('num_stages', 3), ('modules_per_stage', 2)])
def test_genotype_layout_extras_must_match_the_config(pair, key, value):
    _, g, _ = pair
    bad = copy.deepcopy(g.to_dict())
    bad['extras'][key] = value
    want = getattr(pair[0], key)
    with pytest.raises(GenotypeError, match=re.escape(
            f'extras.{key}: found {value!r}, expected {want!r} as in the '
            f'AutoPoseBackbone config')):
        MODELS.build(dict(CFG, genotype=bad))


def test_genotype_cells_must_have_the_networks_input_counts(pair):
    _, g, _ = pair
    ops = list(g.extras['op_names'])
    two = derive_cell(torch.rand(2 + 3 + 4 + 5, len(ops)), ops, 4,
                      num_inputs=2, top_k=None)
    bad = Genotype(cells={'individual': two, 'aggregation': g['aggregation']},
                   extras=copy.deepcopy(g.extras))
    with pytest.raises(GenotypeError, match=re.escape(
            'cells.individual.num_inputs: found 2, expected 1: this network '
            'feeds the individual cell 1 input node(s)')):
        MODELS.build(dict(CFG, genotype=bad))
    three = derive_cell(torch.rand(3 + 4, len(ops)), ops, 2, num_inputs=3,
                        top_k=None)
    bad = Genotype(cells={'individual': g['individual'], 'aggregation': three},
                   extras=copy.deepcopy(g.extras))
    with pytest.raises(GenotypeError, match=re.escape(
            'cells.aggregation.num_inputs: found 3, expected 4: this network '
            'feeds the aggregation cell 4 input node(s)')):
        MODELS.build(dict(CFG, genotype=bad))
    assert isinstance(g['individual'], CellGenotype)


def test_branch_override_errors_name_the_argument(pair):
    _, g, _ = pair
    with pytest.raises(ValueError, match=r'^AutoPoseBackbone\.branches\[0\]: '
                       r'expected 4 bits, got \[1, 0\]$'):
        MODELS.build(dict(CFG, genotype=g, branches=[[1, 0], [0, 1]]))
    net = MODELS.build(dict(CFG, genotype=g, branches=[[0, 1, 0, 0],
                                                       [1, 1, 0, 0]]))
    assert [sorted(l.branches) for l in net.layers] == [['1'], ['0', '1']]


def test_derived_genotype_extras_are_exact_and_independent_copies(pair):
    net, _, _ = pair
    info = dict(branch_source='test', candidates=[[1, 0, 1, 0]])
    net.set_derived_branches([[0, 1, 1, 0], [1, 0, 0, 1]], info)
    try:
        info['candidates'][0][0] = 7  # the caller's dict changes later
        g = net.derive_genotype()
        assert g.extras == dict(
            op_names=['conv_1x1', 'conv_3x3', 'conv_5x5', 'avg_pool_3x3',
                      'max_pool_3x3', 'skip_connect'],
            branches=[[0, 1, 1, 0], [1, 0, 0, 1]], num_branches=4,
            branch_decisions='module', num_stages=2, modules_per_stage=1,
            inactive_inputs='drop', search_channels=[2, 2, 4, 4],
            branch_source='test', candidates=[[1, 0, 1, 0]])
        assert net.derived_branches.dtype == torch.long
        # editing the genotype leaves the network's record alone
        g.extras['candidates'][0][1] = 9
        assert net.branch_derivation['candidates'] == [[1, 0, 1, 0]]
        assert net.derive_genotype().extras['candidates'] == [[1, 0, 1, 0]]
    finally:
        net.set_derived_branches(MASK)


def test_set_derived_branches_error_names_the_method(pair):
    net, _, _ = pair
    with pytest.raises(ValueError, match=r'^set_derived_branches\(mask\)\[1\]'
                       r'\[3\]: expected 0 or 1, got 2$'):
        net.set_derived_branches([[1, 0, 1, 0], [0, 0, 0, 2]])
    assert net.derived_branches.tolist() == MASK


def test_key_map_lists_every_width_that_differs(pair):
    net, g, _ = pair
    fixed = MODELS.build(dict(CFG, genotype=g, channels=(4, 4, 8, 8),
                              stem_channels=8))
    with pytest.raises(ValueError, match=re.escape(
            'widths differ (channels: fixed [4, 4, 8, 8] vs search '
            '[2, 2, 4, 4], stem_channels: fixed 8 vs search 4). ')):
        net.supernet_key_map(fixed)
