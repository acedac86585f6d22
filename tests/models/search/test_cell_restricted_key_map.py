"""SearchCell.fixed_key_map(fixed, inputs=...) for a cell restricted to
some inputs (CellGenotype.select_inputs), through SearchableMixin."""
import re

import pytest
import torch
import torch.nn as nn

from mmposenas.models.search import (CellGenotype, SearchableMixin,
                                     SearchCell)

OPS = ['skip_connect', 'conv_3x3', 'sep_conv_3x3']
IN_CHANNELS = (3, 5, 7)


def _supernet_cell():
    # node 1 is wider (6) than the states feeding it (4): adapters
    # '1_0', '1_1', '1_2', '1_3' exist in the supernet.
    return SearchCell(IN_CHANNELS, 4, op_names=OPS, num_nodes=2,
                      node_channels=(4, 6), affine=True).double()


def _full_genotype():
    # node 0 <- inputs 0 and 2; node 1 <- input 2 and node 0 (state 3)
    return CellGenotype(nodes=[[('conv_3x3', 0), ('sep_conv_3x3', 2)],
                               [('conv_3x3', 2), ('conv_3x3', 3)]],
                        concat=[3, 4], num_inputs=3)


class Holder(nn.Module, SearchableMixin):

    def __init__(self, cell):
        super().__init__()
        self.cell = cell


def _randomise(module):
    torch.manual_seed(0)
    with torch.no_grad():
        for p in module.parameters():
            p.uniform_(-1, 1)
        for name, buf in module.named_buffers():
            if name.endswith(('running_mean', 'running_var')):
                buf.uniform_(0.5, 1.5)


def test_restricted_fixed_cell_with_copied_weights_computes_the_chosen_ops():
    supernet = _supernet_cell()
    _randomise(supernet)
    genotype = _full_genotype().select_inputs([0, 2])
    fixed = SearchCell((IN_CHANNELS[0], IN_CHANNELS[2]), 4, genotype=genotype,
                       node_channels=(4, 6), affine=True).double()
    mapping = supernet.fixed_key_map(fixed, inputs=[0, 2])
    # exact keys: the fixed cell's input 1 is supernet input 2; node 0 is
    # state 2 in the fixed cell, state 3 in the supernet.
    # supernet edges: node 0 <- 0,1,2 (0..2); node 1 <- 0,1,2,3 (3..6)
    assert mapping['edges.0.op.1.weight'] == 'edges.0.ops.conv_3x3.op.1.weight'
    assert mapping['edges.1.op.0.op.1.weight'] == \
        'edges.2.ops.sep_conv_3x3.op.0.op.1.weight'
    assert mapping['edges.2.op.1.weight'] == 'edges.5.ops.conv_3x3.op.1.weight'
    assert mapping['edges.3.op.1.weight'] == 'edges.6.ops.conv_3x3.op.1.weight'
    assert mapping['preprocess.1.op.op.1.weight'] == \
        'preprocess.2.op.op.1.weight'
    assert mapping['preprocess.0.op.op.2.bias'] == 'preprocess.0.op.op.2.bias'
    assert mapping['adapters.1_1.op.1.weight'] == 'adapters.1_2.op.1.weight'
    assert mapping['adapters.1_2.op.1.weight'] == 'adapters.1_3.op.1.weight'
    assert set(mapping) == set(fixed.state_dict())
    source = supernet.state_dict()
    assert all(v in source for v in mapping.values())
    # same through the mixin, with module paths
    via_mixin = Holder(supernet).supernet_key_map(
        Holder(fixed), cell_inputs={'cell': [0, 2]})
    assert via_mixin == {f'cell.{k}': f'cell.{v}'
                         for k, v in mapping.items()}

    fixed.load_state_dict({k: source[v] for k, v in mapping.items()},
                          strict=True)
    supernet.eval()
    fixed.eval()
    torch.manual_seed(1)
    xs = [torch.randn(1, c, 6, 6, dtype=torch.float64) for c in IN_CHANNELS]
    weights = torch.zeros(len(supernet.edges), len(OPS), dtype=torch.float64)
    for pair, op in [((0, 0), 'conv_3x3'), ((0, 2), 'sep_conv_3x3'),
                     ((1, 2), 'conv_3x3'), ((1, 3), 'conv_3x3')]:
        weights[supernet.edge_index.index(pair), OPS.index(op)] = 1.0
    with torch.no_grad():
        expected = supernet([xs[0], None, xs[2]], weights)
        got = fixed([xs[0], xs[2]])
    torch.testing.assert_close(got, expected, rtol=1e-10, atol=1e-10)


def test_restricted_map_keeps_other_keys_and_skipless_inputs():
    # restriction to the first inputs: fixed input j is supernet input j
    supernet = _supernet_cell()
    genotype = CellGenotype(nodes=[[('skip_connect', 0), ('conv_3x3', 1)],
                                   [('conv_3x3', 1), ('conv_3x3', 2)]],
                            concat=[2, 3], num_inputs=2)
    fixed = SearchCell(IN_CHANNELS[:2], 4, genotype=genotype,
                       node_channels=(4, 6), affine=True).double()
    mapping = supernet.fixed_key_map(fixed, inputs=(0, 1))
    assert mapping['edges.1.op.1.weight'] == 'edges.1.ops.conv_3x3.op.1.weight'
    assert mapping['edges.2.op.1.weight'] == 'edges.4.ops.conv_3x3.op.1.weight'
    # fixed state 2 (node 0) is supernet state 3 -> edge 6, adapter 1_3
    assert mapping['edges.3.op.1.weight'] == 'edges.6.ops.conv_3x3.op.1.weight'
    assert mapping['adapters.1_2.op.1.weight'] == 'adapters.1_3.op.1.weight'
    assert mapping['adapters.1_1.op.2.running_var'] == \
        'adapters.1_1.op.2.running_var'
    assert set(mapping) == set(fixed.state_dict())


@pytest.mark.parametrize('inputs', [[0], [0, 1, 2], [2, 0], [1, 1], [-1, 2],
                                    [0, 3], []])
def test_restricted_map_refuses_bad_inputs(inputs):
    supernet = _supernet_cell()
    fixed = SearchCell((3, 7), 4, genotype=_full_genotype().select_inputs(
        [0, 2]), node_channels=(4, 6)).double()
    with pytest.raises(ValueError, match=r'inputs must name the 2 inputs of '
                       r'the fixed cell among the 3 of the searchable cell '
                       r'\(ascending\), got ' + re.escape(str(inputs))):
        supernet.fixed_key_map(fixed, inputs=inputs)


def test_restricted_map_refuses_an_op_or_edge_the_supernet_lacks():
    supernet = _supernet_cell()
    genotype = _full_genotype().select_inputs([0, 2])
    genotype.nodes[1][1] = ('max_pool_3x3', 2)
    fixed = SearchCell((3, 7), 4, genotype=genotype,
                       node_channels=(4, 6)).double()
    with pytest.raises(ValueError, match=r"fixed cell edge 3 \(node 1 <- "
                       r"state 3, op 'max_pool_3x3'\) does not exist"):
        supernet.fixed_key_map(fixed, inputs=[0, 2])
    # a supernet with fewer nodes lacks node 1's edges
    small = SearchCell(IN_CHANNELS, 4, op_names=OPS, num_nodes=1)
    fixed = SearchCell((3, 7), 4, genotype=_full_genotype().select_inputs(
        [0, 2]))
    with pytest.raises(ValueError, match=r'fixed cell edge 2 \(node 1 <- '
                       r"state 2, op 'conv_3x3'\) does not exist"):
        small.fixed_key_map(fixed, inputs=[0, 2])


def test_restricted_map_refuses_a_searchable_target():
    supernet = _supernet_cell()
    with pytest.raises(ValueError, match='maps a fixed cell onto a '
                       'searchable one'):
        supernet.fixed_key_map(_supernet_cell(), inputs=[0, 1, 2])
