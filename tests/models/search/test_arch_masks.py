"""Masked entries of ArchitectureParameters (β with missing neighbours)."""
import math

import pytest
import torch

from mmposenas.models.search import ArchitectureParameters

MASK = torch.tensor([[True, True, True], [False, True, True],
                     [False, True, False]])


def arch(sampling='softmax'):
    a = ArchitectureParameters({'beta': (3, 3), 'alpha': (2, 4)},
                               sampling=sampling, masks={'beta': MASK})
    with torch.no_grad():
        a.alphas['beta'].copy_(torch.tensor([[0.3, -1.2, 2.0],
                                             [5.0, 0.5, -0.5],
                                             [1.0, 2.0, 3.0]]))
    return a


def test_masked_softmax_is_softmax_over_valid_entries_only():
    w = arch().weights('beta')
    e = [math.exp(0.3), math.exp(-1.2), math.exp(2.0)]
    assert torch.allclose(w[0], torch.tensor([v / sum(e) for v in e]))
    # row 1: the masked 5.0 is left out, not just down-weighted
    e1 = [math.exp(0.5), math.exp(-0.5)]
    assert w[1, 0] == 0.0
    assert torch.allclose(w[1, 1:], torch.tensor([v / sum(e1) for v in e1]))
    assert torch.equal(w[2], torch.tensor([0.0, 1.0, 0.0]))
    assert torch.equal(arch().probabilities('beta'), w.detach())
    # unmasked keys are unchanged
    a = arch()
    assert torch.equal(a.weights('alpha'), a.alphas['alpha'].softmax(-1))


def test_masked_entries_get_no_gradient_and_gumbel_never_picks_them():
    a = arch()
    (a.weights('beta') * torch.randn(3, 3)).sum().backward()
    g = a.alphas['beta'].grad
    assert torch.equal(g[~MASK], torch.zeros(3))
    assert (g[0] != 0).all() and (g[1, 1:] != 0).all()
    torch.manual_seed(0)
    hard = arch('gumbel_hard')
    for _ in range(20):
        w = hard.weights('beta')
        assert torch.equal(w[~MASK], torch.zeros(3))
        assert torch.equal(w.sum(-1), torch.ones(3))


def test_masked_entropy_is_normalised_per_row():
    a = ArchitectureParameters({'beta': (3, 3)}, init_std=0.0,
                               masks={'beta': MASK})
    # uniform over the valid entries: rows 0 and 1 have entropy 1, row 2 0
    assert a.entropy()['beta'] == pytest.approx(2 / 3)


def test_bad_masks_are_refused_with_the_key():
    with pytest.raises(ValueError, match=r"'beta' has shape \(2, 3\)"):
        ArchitectureParameters({'beta': (3, 3)},
                               masks={'beta': torch.ones(2, 3, dtype=bool)})
    with pytest.raises(ValueError, match=r'no valid entry in row\(s\) \[1\]'):
        ArchitectureParameters(
            {'beta': (2, 3)},
            masks={'beta': torch.tensor([[1, 0, 0], [0, 0, 0]])})
    with pytest.raises(ValueError, match="unknown key 'gamma'"):
        ArchitectureParameters({'beta': (2, 3)},
                               masks={'gamma': torch.ones(2, 3)})
