"""tools/analysis/get_flops.py: parameters and MACs in every convention."""
import pytest
import torch
import torch.nn as nn

from mmposenas.models.search import arch_parameters
from tools_test_utils import (DARTS_SEARCH, PA_SEARCH, build, derived,
                              load_tool)

flops = load_tool('tools/analysis/get_flops.py')


class ConvDeconv(nn.Module):
    """3x3 conv (3 -> 4) then a 2x2 stride-2 transposed conv (4 -> 2)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1, bias=False)
        self.deconv = nn.ConvTranspose2d(4, 2, 2, stride=2)

    def _forward(self, x):
        return self.deconv(self.conv(x))


def test_conventions_by_hand():
    result = flops.count(ConvDeconv(), 8, 8)
    conv = 4 * 3 * 9 * 8 * 8
    assert result['params'] == 4 * 3 * 9 + 4 * 2 * 4 + 2
    assert result['arch_params'] == 0
    # fvcore counts the transposed conv at its input resolution (8x8) ...
    assert result['macs'] == conv + 4 * 2 * 4 * 8 * 8
    # ... the part-aware paper at its output resolution (16x16)
    assert result['macs_transposed_at_output'] == conv + 4 * 2 * 4 * 16 * 16
    assert result['posenfs_gflops'] == pytest.approx(result['macs'] / 2**30)
    text = flops.report(result)
    assert str(result['macs_transposed_at_output']) in text
    assert '2^30' in text


@pytest.mark.parametrize('kind,search,shape', [('darts', DARTS_SEARCH,
                                                 (64, 48)),
                                                ('pa', PA_SEARCH, (64, 64))])
def test_tiny_configs_supernet_and_fixed(kind, search, shape, tmp_path,
                                         capsys):
    h, w = map(str, shape)
    sup = flops.main([search, '--input-shape', h, w, '--json',
                      str(tmp_path / 'sup.json')])
    model = build(search)
    alphas = sum(p.numel() for p in arch_parameters(model))
    assert alphas > 0 and sup['arch_params'] == alphas
    assert sup['params'] == sum(p.numel() for p in model.parameters())
    assert sup['macs'] > 0
    assert sup['macs_transposed_at_output'] == sup['macs']  # no deconv
    assert (tmp_path / 'sup.json').read_text().count('"macs"') == 1

    _, _, genotype, config, _ = derived(kind)
    fixed = flops.main([config, '--input-shape', h, w])
    fixed_model = build(config)
    assert fixed['params'] == sum(p.numel() for p in fixed_model.parameters())
    assert fixed['arch_params'] == 0
    # two kept edges per node instead of every op on every edge
    assert 0 < fixed['macs'] < sup['macs'] / 2
    assert f'{fixed["macs"]} MACs' in capsys.readouterr().out
