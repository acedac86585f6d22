import pytest
import torch

from mmposenas.models.search import (ArchitectureParameters, CellGenotype,
                                     SearchCell, derive_cell, num_cell_edges)

OPS = ['zero', 'skip_connect', 'sep_conv_3x3', 'dil_conv_3x3', 'avg_pool_3x3']


def weights(num_nodes, seed=0):
    torch.manual_seed(seed)
    arch = ArchitectureParameters({'c': (num_cell_edges(num_nodes), len(OPS))})
    return arch, arch.weights('c')


@pytest.mark.parametrize('stride,resample,hw_out', [
    (1, (1, 1), (8, 6)),        # normal
    (2, (1, 1), (4, 3)),        # reduction
    (1, (0.5, 1), (8, 6)),      # after a reduction: s0 is twice as large
    (1, (2, 2), (16, 12)),      # fusion: upsample the inputs
])
def test_searchable_cell_shapes(stride, resample, hw_out):
    cell = SearchCell((6, 10), 4, op_names=OPS, num_nodes=3, stride=stride,
                      input_resample=resample, affine=False)
    s0 = torch.randn(2, 6, *(16, 12) if resample[0] == 0.5 else (8, 6))
    s1 = torch.randn(2, 10, 8, 6)
    _, w = weights(3)
    out = cell((s0, s1), w)
    assert out.shape == (2, 12, *hw_out)


def test_fusion_cell_with_uneven_node_channels_and_gradient():
    arch, w = weights(3)
    cell = SearchCell((8, 8), 4, op_names=OPS, num_nodes=3,
                      input_resample=(2, 2), node_channels=[3, 7, 2])
    out = cell((torch.randn(1, 8, 4, 4), torch.randn(1, 8, 4, 4)), w)
    assert out.shape == (1, 12, 8, 8)
    out.mean().backward()
    assert arch.alphas['c'].grad.abs().sum() > 0


def test_fixed_cell_from_genotype_has_only_kept_edges():
    _, w = weights(3)
    genotype = derive_cell(w, OPS, num_nodes=3, top_k=2)
    cell = SearchCell((6, 6), 4, genotype=genotype)
    assert len(cell.edges) == 6
    out = cell((torch.randn(2, 6, 5, 5), torch.randn(2, 6, 5, 5)))
    assert out.shape == (2, 12, 5, 5)


def test_fixed_cell_runs_its_genotype():
    g = CellGenotype(nodes=[[('skip_connect', 1)], [('skip_connect', 2)]],
                     concat=[3])
    cell = SearchCell((2, 2), 2, genotype=g)
    s = [torch.randn(1, 2, 3, 3), torch.randn(1, 2, 3, 3)]
    states = cell.node_outputs(s)
    assert torch.equal(states[3], states[1])
    assert torch.equal(cell(s), states[1])


def test_cell_argument_errors():
    with pytest.raises(ValueError, match='exactly one of'):
        SearchCell((2, 2), 2)
    with pytest.raises(ValueError, match='needs mixing weights'):
        SearchCell((2, 2), 2, op_names=OPS, num_nodes=2)(
            [torch.randn(1, 2, 3, 3)] * 2)
    with pytest.raises(ValueError, match='resample factor'):
        SearchCell((2, 2), 2, op_names=OPS, input_resample=(3, 1))


def test_node_widths_get_adapters_only_between_different_widths():
    # inputs 4 wide; nodes 4, 6, 4 wide
    cell = SearchCell((5, 5), 4, op_names=OPS, num_nodes=3,
                      node_channels=[4, 6, 4], affine=False)
    assert cell.state_channels == [4, 4, 4, 6, 4]
    # into node 1 (6) from the inputs and node 0 (4); into node 2 (4) from
    # node 1 (6); nothing between equal widths
    assert sorted(cell.adapters) == ['1_0', '1_1', '1_2', '2_3']
    assert cell.adapters['1_0'].op[1].weight.shape == (6, 4, 1, 1)
    assert cell.adapters['2_3'].op[1].weight.shape == (4, 6, 1, 1)
    # every op of an edge runs at the width of the node it feeds
    for (i, j), edge in zip(cell.edge_index, cell.edges):
        sep = edge.ops['sep_conv_3x3'].op[1].op[2]  # second pointwise conv
        assert sep.out_channels == [4, 6, 4][i]
    assert cell.out_channels == 14
    _, w = weights(3)
    out = cell((torch.randn(2, 5, 6, 6), torch.randn(2, 5, 6, 6)), w)
    assert out.shape == (2, 14, 6, 6)


def test_equal_widths_build_no_adapters_and_keep_state_dict_keys():
    plain = SearchCell((3, 3), 4, op_names=OPS, num_nodes=2)
    same = SearchCell((3, 3), 4, op_names=OPS, num_nodes=2,
                      node_channels=[4, 4])
    assert len(plain.adapters) == 0 and len(same.adapters) == 0
    assert list(plain.state_dict()) == list(same.state_dict())
    assert not any(k.startswith('adapters') for k in plain.state_dict())


def test_fixed_cell_adapter_feeds_the_wider_node():
    g = CellGenotype(nodes=[[('skip_connect', 1)], [('skip_connect', 2)]],
                     concat=[2, 3])
    cell = SearchCell((2, 2), 2, genotype=g, node_channels=[2, 3]).eval()
    assert sorted(cell.adapters) == ['1_2']  # node 1 (3) <- node 0 (2)
    s = [torch.randn(1, 2, 3, 3), torch.randn(1, 2, 3, 3)]
    states = cell.node_outputs(s)
    assert torch.equal(states[2], states[1])  # equal widths: identity
    assert torch.allclose(states[3], cell.adapters['1_2'](states[2]))
    assert states[3].shape[1] == 3
    assert torch.equal(cell(s), torch.cat([states[2], states[3]], 1))
    with pytest.raises(ValueError, match='positive width for each of the 2'):
        SearchCell((2, 2), 2, genotype=g, node_channels=[2])
