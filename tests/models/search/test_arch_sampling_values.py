"""Exact values of the α sampling rules (Gumbel-softmax, smoothing, init).

Seeded samples are compared with ``torch.nn.functional.gumbel_softmax``
drawn from the same global seed (the docstring promises bit-for-bit equality)
and with the formula ``softmax((α + g) / τ)`` on noise drawn separately.
Logits are 3-D where a wrong ``dim`` would otherwise go unnoticed.
"""
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from mmposenas.models.search.arch import (ArchitectureParameters,
                                          SearchableMixin, gumbel_softmax,
                                          sample_weights)

LOGITS = torch.tensor([[[0.3, -1.2, 0.8, 0.1], [2.0, 0.0, -0.5, 0.4],
                        [0.2, 0.2, 1.1, -0.3]],
                       [[-0.7, 0.9, 0.0, 0.5], [1.3, -0.4, 0.6, 0.0],
                        [0.0, 1.5, -1.0, 0.2]]])  # (2, 3, 4)


def seeded(fn, seed=3):
    torch.manual_seed(seed)
    return fn()


def test_gumbel_softmax_matches_the_formula_and_torch():
    noise = seeded(lambda: -torch.empty_like(LOGITS).exponential_().log())
    for tau in (0.5, 2.0):
        got = seeded(lambda: gumbel_softmax(LOGITS, tau=tau))
        expected = torch.softmax((LOGITS + noise) / tau, dim=-1)
        assert torch.allclose(got, expected, atol=1e-6)
        assert torch.equal(got, seeded(
            lambda: F.gumbel_softmax(LOGITS, tau=tau)))
    # defaults: tau 1, soft
    got = seeded(lambda: gumbel_softmax(LOGITS))
    assert torch.allclose(got, torch.softmax(LOGITS + noise, dim=-1),
                          atol=1e-6)


def test_gumbel_hard_is_one_hot_with_the_soft_gradient():
    alpha = LOGITS.clone().requires_grad_()
    probe = torch.arange(24.).reshape(2, 3, 4)
    got = seeded(lambda: gumbel_softmax(alpha, tau=0.5, hard=True))
    soft_alpha = LOGITS.clone().requires_grad_()
    soft = seeded(lambda: gumbel_softmax(soft_alpha, tau=0.5))
    one_hot = F.one_hot(soft.argmax(-1), 4).float()
    assert torch.equal(got.detach(), one_hot)
    (got * probe).sum().backward()
    (soft * probe).sum().backward()
    assert torch.allclose(alpha.grad, soft_alpha.grad, atol=1e-6)
    ref = seeded(lambda: F.gumbel_softmax(LOGITS, tau=0.5, hard=True))
    assert torch.equal(got.detach(), ref)


def test_sample_weights_modes_and_defaults():
    assert torch.allclose(sample_weights(LOGITS), LOGITS.softmax(-1))
    # training Gumbel: same draw as gumbel_softmax with tau and hard passed on
    for mode, hard in (('gumbel', False), ('gumbel_hard', True)):
        got = seeded(lambda: sample_weights(LOGITS, mode, tau=0.5))
        expected = seeded(lambda: F.gumbel_softmax(LOGITS, 0.5, hard=hard))
        assert torch.equal(got, expected)
    # eval: deterministic
    got = sample_weights(LOGITS, 'gumbel', training=False)  # tau 1
    assert torch.allclose(got, LOGITS.softmax(-1))
    got = sample_weights(LOGITS, 'gumbel', tau=0.5, training=False)
    assert torch.allclose(got, (LOGITS / 0.5).softmax(-1))
    got = sample_weights(LOGITS, 'gumbel_hard', training=False)
    assert torch.equal(got, F.one_hot(LOGITS.argmax(-1), 4).float())
    with pytest.raises(ValueError, match='must be > 0, got 0'):
        sample_weights(LOGITS, 'gumbel', tau=0.0)


def test_architecture_parameters_init_values_and_defaults():
    torch.manual_seed(9)
    ap = ArchitectureParameters({'a': (2, 3)}, edge_groups={'a': [1, 2]})
    torch.manual_seed(9)
    alpha = 1e-3 * torch.randn(2, 3)
    beta = 1e-3 * torch.randn(3)
    assert torch.allclose(ap.alphas['a'], alpha)
    assert torch.allclose(ap.edge_alphas['a'], beta)
    assert ap.tau == 1.0 and ap.sampling == 'softmax'
    assert torch.allclose(ap.edge_weights('a'), torch.cat(
        [beta[:1].softmax(0), beta[1:].softmax(0)]))


def test_masks_accept_int_lists_are_checked_per_row_and_not_saved():
    ap = ArchitectureParameters({'a': (2, 3)}, masks={'a': [[1, 0, 1],
                                                            [0, 1, 0]]})
    logits = ap.logits('a')
    assert torch.isneginf(logits).tolist() == [[False, True, False],
                                               [True, False, True]]
    assert 'mask_a' not in ap.state_dict()
    # a row along the last dim is empty although every column has an entry
    mask = torch.ones(2, 2, 3, dtype=torch.bool)
    mask[1, 0] = False
    with pytest.raises(ValueError, match=r'row\(s\) \[1, 0\]'):
        ArchitectureParameters({'b': (2, 2, 3)}, masks={'b': mask})


def test_weights_use_tau_training_and_smoothing_noise():
    ap = ArchitectureParameters({'a': (2, 3, 4)}, sampling='gumbel', tau=0.5)
    with torch.no_grad():
        ap.alphas['a'].copy_(LOGITS)
    got = seeded(lambda: ap.weights('a'))  # training: Gumbel, tau 0.5
    assert torch.equal(got, seeded(lambda: F.gumbel_softmax(LOGITS, 0.5)))
    ap.eval()
    assert torch.allclose(ap.weights('a'), (LOGITS / 0.5).softmax(-1))
    assert torch.allclose(ap.probabilities('a'), LOGITS.softmax(-1))
    # smoothing: α + U(-s, s) noise, drawn from the global RNG
    sm = ArchitectureParameters({'a': (2, 3, 4)})
    with torch.no_grad():
        sm.alphas['a'].copy_(LOGITS)
    sm.smoothing = 0.3
    noise = seeded(lambda: torch.empty(2, 3, 4).uniform_(-0.3, 0.3))
    got = seeded(lambda: sm.weights('a'))
    assert torch.allclose(got, (LOGITS + noise).softmax(-1), atol=1e-6)
    # no smoothing: no noise and no random numbers consumed
    sm.smoothing = 0.0
    torch.manual_seed(1)
    expected_next = torch.rand(3)
    torch.manual_seed(1)
    assert torch.equal(sm.weights('a'), LOGITS.softmax(-1))
    assert torch.equal(torch.rand(3), expected_next)


class TinySearchable(SearchableMixin, nn.Module):

    def __init__(self, arch_params):
        super().__init__()
        self.arch_params = arch_params


def test_mixin_samples_active_flags_and_edge_weights():
    ap = ArchitectureParameters({'a': (2, 3)}, sampling='gumbel_hard',
                                edge_groups={'a': [2]})
    net = TinySearchable(ap)
    torch.manual_seed(0)
    weights, active = net.sample_arch_weights()['a']
    assert active == (weights != 0).tolist()
    assert sum(map(sum, active)) == 2  # one op per edge
    beta = ap.edge_alphas['a'].detach()
    assert torch.allclose(net.sample_edge_weights()['a'], beta.softmax(0))
    assert TinySearchable(None).sample_edge_weights() == {}


def test_named_searchable_modules_lists_only_outermost():
    from mmposenas.models.search.arch import named_searchable_modules

    def searchable():
        return TinySearchable(ArchitectureParameters({'a': (1, 2)}))

    root = nn.Module()
    root.a = searchable()
    root.a.inner = searchable()  # nested in 'a': not listed
    root.ab = searchable()  # a sibling whose name starts with 'a'
    root.c = nn.Module()
    root.c.d = searchable()
    root.fixed = TinySearchable(None)  # no α: not listed
    names = [n for n, _ in named_searchable_modules(root)]
    assert names == ['a', 'ab', 'c.d']


class OneCell(SearchableMixin, nn.Module):
    """A single 2-node cell, searchable (``genotype=None``) or fixed."""

    OPS = ['skip_connect', 'conv_3x3']

    def __init__(self, genotype=None):
        super().__init__()
        from mmposenas.models.search import SearchCell
        self.cell = SearchCell((4, 4), 4, num_nodes=2, genotype=genotype,
                               op_names=None if genotype else self.OPS)
        self.arch_params = None


def test_key_map_rejects_a_fixed_cell_where_the_supernet_has_a_fixed_one():
    from mmposenas.models.search import derive_cell
    genotype = derive_cell(torch.rand(5, 2), OneCell.OPS, 2)
    fixed = OneCell(genotype)
    assert set(OneCell().supernet_key_map(fixed).values()) <= set(
        OneCell().state_dict())  # a searchable source maps fine
    with pytest.raises(ValueError, match="cell at 'cell' but the supernet"):
        OneCell(genotype).supernet_key_map(fixed)


class SearchBN(SearchableMixin, nn.BatchNorm1d):
    arch_params = None


def test_fixed_state_dict_keeps_affine_bn_of_a_root_module():
    supernet = SearchBN(3, affine=False)
    with torch.no_grad():
        supernet.running_mean.copy_(torch.tensor([1., 2., 3.]))
    fixed = nn.BatchNorm1d(3)  # the root module itself, name ''
    state, kept = supernet.fixed_state_dict(fixed)
    assert kept == ['weight', 'bias']
    assert torch.equal(state['weight'], torch.ones(3))
    assert torch.equal(state['running_mean'], torch.tensor([1., 2., 3.]))
