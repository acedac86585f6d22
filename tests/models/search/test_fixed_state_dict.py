"""Supernet -> fixed weights: SearchCell.fixed_key_map, fixed_state_dict."""
import pytest
import torch
import torch.nn as nn

from mmposenas.models.search import (ArchitectureParameters, SearchableMixin,
                                     SearchCell, derive_cell, num_cell_edges)

OPS = ['zero', 'skip_connect', 'sep_conv_3x3', 'dil_conv_3x3', 'max_pool_3x3',
       'conv_3x3']


class TwoCells(nn.Module, SearchableMixin):
    """Stem + a reduction cell + a normal cell, searchable or fixed."""

    def __init__(self, genotypes=None):
        super().__init__()
        self.stem = nn.Conv2d(3, 6, 3, padding=1)
        kinds = [('reduce', 2), ('normal', 1)]
        self.cells = nn.ModuleList([
            SearchCell((6, 6) if i == 0 else (6, 12), 6,
                       op_names=None if genotypes else OPS,
                       genotype=genotypes[k] if genotypes else None,
                       num_nodes=2, stride=s,
                       input_resample=(1, 1) if i == 0 else (0.5, 1),
                       affine=genotypes is not None)
            for i, (k, s) in enumerate(kinds)
        ])
        self.arch_params = None if genotypes else ArchitectureParameters(
            {k: (num_cell_edges(2), len(OPS)) for k, _ in kinds})

    def forward(self, x, weights=None):
        s0 = s1 = self.stem(x)
        for cell, w in zip(self.cells, weights or [None, None]):
            s0, s1 = s1, cell((s0, s1), w)
        return s1


def _one_hot_weights(cell, fixed):
    """(E, O) weights that make the searchable cell compute the fixed one."""
    w = torch.zeros(len(cell.edges), len(OPS))
    for pair, op in zip(fixed.edge_index, fixed.edge_ops):
        w[cell.edge_index.index(pair), OPS.index(op)] = 1.0
    return w


def test_fixed_network_with_copied_weights_computes_the_chosen_ops():
    torch.manual_seed(0)
    supernet = TwoCells()
    supernet.arch_params.reset_random(3)
    with torch.no_grad():  # random BN statistics, so a wrong copy shows
        for name, buf in supernet.named_buffers():
            if name.endswith(('running_mean', 'running_var')):
                buf.uniform_(0.5, 1.5)
    genotypes = {k: derive_cell(supernet.arch_params.probabilities(k), OPS, 2)
                 for k in ('reduce', 'normal')}
    fixed = TwoCells(genotypes)
    state, kept = supernet.fixed_state_dict(fixed)
    fixed.load_state_dict(state, strict=True)
    # only affine BN parameters (absent from the affine=False supernet) kept
    assert kept and all(k.endswith(('weight', 'bias')) for k in kept)
    assert all(torch.all(state[k] == (1 if k.endswith('weight') else 0))
               for k in kept)
    supernet.eval()
    fixed.eval()
    x = torch.randn(2, 3, 16, 16)
    weights = [_one_hot_weights(c, f)
               for c, f in zip(supernet.cells, fixed.cells)]
    with torch.no_grad():
        expected = supernet(x, weights)
        got = fixed(x)
    torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-5)


def test_key_map_refuses_an_op_the_supernet_lacks():
    supernet = TwoCells()
    genotypes = {k: derive_cell(supernet.arch_params.probabilities(k), OPS, 2)
                 for k in ('reduce', 'normal')}
    genotypes['normal'].nodes[0][0] = ('conv_7x1_1x7', 0)
    fixed = TwoCells(genotypes)
    with pytest.raises(ValueError, match="'conv_7x1_1x7', not in the "
                       'supernet op list'):
        supernet.supernet_key_map(fixed)
