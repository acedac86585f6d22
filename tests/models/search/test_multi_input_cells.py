"""Core extensions for multi-branch cells: wide resampling, absent inputs,
restricting a cell genotype to some inputs."""
import pytest
import torch

from mmposenas.models.search import (CellGenotype, GenotypeError, Resample,
                                     SearchCell, derive_cell,
                                     num_cell_edges)

OPS = ['skip_connect', 'conv_3x3', 'avg_pool_3x3']


@pytest.mark.parametrize('factor,size_in,size_out', [
    (0.125, (16, 12), (2, 2)),   # 4x -> 32x branch at 64x48: ceil each step
    (0.25, (16, 12), (4, 3)),
    (0.25, (8, 6), (2, 2)),
    (8, (2, 2), (16, 16)),       # without a target size: x8
])
def test_resample_factors(factor, size_in, size_out):
    r = Resample(3, 5, factor)
    assert r(torch.randn(2, 3, *size_in)).shape == (2, 5, *size_out)


def test_upsampling_to_a_target_size_undoes_ceil_rounding():
    r = Resample(3, 5, 8)
    assert r(torch.randn(1, 3, 2, 2), size=(16, 12)).shape == (1, 5, 16, 12)
    down = Resample(3, 5, 0.5)
    x = torch.randn(1, 3, 4, 3)
    assert torch.equal(down(x, size=(99, 99)), down(x))  # ignored when <= 1
    with pytest.raises(ValueError, match='resample factor'):
        Resample(3, 5, 16)


def test_absent_inputs_skip_their_edges_exactly():
    torch.manual_seed(0)
    w = torch.softmax(torch.randn(num_cell_edges(2, 3), len(OPS)), -1)
    cell = SearchCell((4, 6, 8), 4, op_names=OPS, num_nodes=2,
                      input_resample=(1, 0.5, 2), affine=False).eval()
    x0, x2 = torch.randn(1, 4, 8, 6), torch.randn(1, 8, 4, 3)
    calls = []
    for k, (i, j) in enumerate(cell.edge_index):
        cell.edges[k].register_forward_hook(
            lambda m, a, o, j=j: calls.append(j))
    pre1 = []
    cell.preprocess[1].register_forward_hook(lambda *a: pre1.append(1))
    states = cell.node_outputs([x0, None, x2], w)
    assert states[1] is None and not pre1 and 1 not in calls
    # node 0 = edges from inputs 0 and 2 only
    s0 = cell.preprocess[0](x0)
    s2 = cell.preprocess[2](x2)
    node0 = cell.edges[0](s0, w[0]) + cell.edges[2](s2, w[2])
    assert torch.allclose(states[3], node0)
    with pytest.raises(ValueError, match='no present source'):
        SearchCell((4, ), 4, op_names=OPS, num_nodes=1)([None], w[:1])


def test_out_size_reaches_upsampled_inputs():
    cell = SearchCell((4, 4), 4, op_names=OPS, num_nodes=1,
                      input_resample=(1, 2), affine=False)
    w = torch.full((2, len(OPS)), 1 / len(OPS))
    out = cell([torch.randn(1, 4, 4, 3), torch.randn(1, 4, 2, 2)], w,
               out_size=(4, 3))
    assert out.shape == (1, 4, 4, 3)


def test_select_inputs_renumbers_and_drops_edges():
    g = CellGenotype(nodes=[[('conv_3x3', 0), ('skip_connect', 1),
                             ('avg_pool_3x3', 2)],
                            [('conv_1x1', 1), ('skip_connect', 3)]],
                     concat=[3, 4], num_inputs=3)
    sub = g.select_inputs([0, 2])
    assert sub.num_inputs == 2
    assert sub.nodes == [[('conv_3x3', 0), ('avg_pool_3x3', 1)],
                         [('skip_connect', 2)]]
    assert sub.concat == [2, 3]
    assert g.select_inputs([0, 1, 2]) == g
    with pytest.raises(GenotypeError, match='node 1 reads only dropped'):
        CellGenotype(nodes=[[('conv_1x1', 0)], [('conv_1x1', 1)]],
                     concat=[2, 3], num_inputs=2).select_inputs([0])
    with pytest.raises(GenotypeError, match='ascending'):
        g.select_inputs([2, 0])
    with pytest.raises(GenotypeError, match='ascending'):
        g.select_inputs([3])


def test_keep_all_derivation_feeds_a_restricted_fixed_cell():
    w = torch.randn(num_cell_edges(2, 4), len(OPS))
    g = derive_cell(w, OPS, num_nodes=2, num_inputs=4, top_k=None)
    assert [len(n) for n in g.nodes] == [4, 5]
    sub = g.select_inputs([1, 3])
    cell = SearchCell((4, 4), 4, genotype=sub, input_resample=(2, 0.5))
    assert len(cell.edges) == 2 + 3
    out = cell([torch.randn(1, 4, 4, 3), torch.randn(1, 4, 16, 12)],
               out_size=(8, 6))
    assert out.shape == (1, 8, 8, 6)
