"""Exact values of the α helpers in arch.py: entropy (function and per-key
normalised), non-finite α detection, extra_repr, SearchableMixin accessors."""
import math

import pytest
import torch
import torch.nn as nn

from mmposenas.models.search import (ArchitectureParameters,
                                     NonFiniteArchError, SearchableMixin,
                                     check_finite_arch, non_finite_arch_keys)
from mmposenas.models.search.arch import entropy


def test_entropy_is_the_mean_row_entropy_in_nats():
    w = torch.tensor([[0.5, 0.5, 0.0], [1.0, 0.0, 0.0]], dtype=torch.float64)
    # rows: ln 2 and 0 (0 log 0 = 0) -> mean ln(2) / 2
    assert entropy(w).item() == pytest.approx(math.log(2) / 2, abs=1e-12)
    w = torch.tensor([[0.25, 0.25, 0.5]], dtype=torch.float64)
    assert entropy(w).item() == pytest.approx(1.5 * math.log(2), abs=1e-12)


def _ent(p):
    return -sum(q * math.log(q) for q in p if q > 0)


def test_per_key_entropy_is_normalised_and_masked_rows_use_their_width():
    params = ArchitectureParameters(
        {'masked': (2, 3), 'plain': (2, 3), 'single': (1, 1)},
        masks={'masked': torch.tensor([[True, True, False],
                                       [True, False, False]])})
    with torch.no_grad():
        # masked row 0: softmax over the 2 valid entries -> (0.25, 0.75)
        params.alphas['masked'].copy_(torch.tensor(
            [[0.0, math.log(3), 5.0], [1.0, 2.0, 3.0]]))
        params.alphas['plain'].copy_(torch.tensor(
            [[0.0, 0.0, 0.0], [0.0, 0.0, math.log(2)]]))
    out = params.entropy()
    assert set(out) == {'masked', 'plain', 'single'}
    # row 1 has one valid entry: counts as 0
    assert out['masked'] == pytest.approx(
        _ent([0.25, 0.75]) / math.log(2) / 2, abs=1e-6)
    assert out['plain'] == pytest.approx(
        (1.0 + _ent([0.25, 0.25, 0.5]) / math.log(3)) / 2, abs=1e-6)
    assert out['single'] == 0.0

    class Net(nn.Module, SearchableMixin):

        def __init__(self, arch):
            super().__init__()
            self.arch_params = arch

    assert Net(params).arch_entropy() == out
    assert Net(None).arch_entropy() == {}
    assert Net(None).arch_parameters() == []
    got = Net(params).arch_parameters()
    assert [id(p) for p in got] == [id(p) for p in params.parameters()]
    assert len(got) == 3


def test_extra_repr_names_sampling_tau_and_shapes():
    params = ArchitectureParameters({'normal': (14, 8), 'reduce': (5, 2)},
                                    sampling='gumbel', tau=2.5)
    assert params.extra_repr() == (
        "sampling=gumbel, tau=2.5, shapes={'normal': (14, 8), "
        "'reduce': (5, 2)}")


class Holder(nn.Module):

    def __init__(self):
        super().__init__()
        self.backbone = nn.Module()
        self.backbone.arch = ArchitectureParameters(
            {'normal': (2, 3), 'reduce': (2, 3)})
        self.conv = nn.Conv2d(1, 1, 1)


def test_non_finite_arch_keys_names_every_bad_alpha_by_path():
    model = Holder()
    assert non_finite_arch_keys(model) == []
    check_finite_arch(model)  # finite: no error
    with torch.no_grad():
        model.backbone.arch.alphas['reduce'][1, 2] = float('nan')
        model.conv.weight.fill_(float('inf'))  # a weight, not α: ignored
    assert non_finite_arch_keys(model) == ['backbone.arch.alphas.reduce']
    # the α module itself: keys without a module path
    assert non_finite_arch_keys(model.backbone.arch) == ['alphas.reduce']
    with torch.no_grad():
        model.backbone.arch.alphas['normal'][0, 0] = float('-inf')
    assert non_finite_arch_keys(model) == ['backbone.arch.alphas.normal',
                                           'backbone.arch.alphas.reduce']
    with pytest.raises(NonFiniteArchError,
                       match=r"^the model: architecture parameters "
                       r"\['backbone.arch.alphas.normal', "
                       r"'backbone.arch.alphas.reduce'\] hold NaN"):
        check_finite_arch(model)
    with pytest.raises(NonFiniteArchError, match=r'^ckpt\.pth: '):
        check_finite_arch(model, 'ckpt.pth')
