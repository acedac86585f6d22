"""tools/analysis/get_flops.py on every tiny config, and a hand count."""
import importlib.util
import json
import os.path as osp
import sys

import pytest
import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmpose.registry import MODELS

import mmposenas  # noqa: F401
from mmposenas.models.search import Genotype, arch_parameters
from conftest import REPO

C = osp.join(REPO, 'configs')
DARTS_SEARCH = f'{C}/darts_pose/td-hm_darts-tiny-search-fo_1xb7-4e_coco-sample-64x48.py'  # noqa: E501
DARTS_FIXED = f'{C}/darts_pose/td-hm_darts-tiny_1xb7-8e_coco-sample-64x48.py'
PA = f'{C}/part_aware_nas/vol-int_pa-nas-tiny'
# (config, search config its genotype is derived from, input h w); the
# part-aware sample search config is left out (3 s of tracing; its backbone is
# the synthetic search config's with other channel counts)
TINY_CONFIGS = [
    (DARTS_SEARCH, None, (64, 48)),
    (DARTS_FIXED, DARTS_SEARCH, (64, 48)),
    (f'{PA}_1xb9-8e_h36m-mpii-sample-64x64.py',
     f'{PA}-search-fo_1xb9-4e_h36m-mpii-sample-64x64.py', (64, 64)),
    (f'{PA}-search-fo_1xb32-2e_synthetic-figures-64x64.py', None, (64, 64)),
    (f'{PA}_1xb32-10e_synthetic-figures-64x64.py',
     f'{PA}-search-fo_1xb32-2e_synthetic-figures-64x64.py', (64, 64)),
    (f'{C}/baselines/synthetic/'
     'td-hm_res18-tiny_1xb32-30e_synthetic-figures-64x64.py', None,
     (64, 64)),
]


def get_flops():
    spec = importlib.util.spec_from_file_location(
        'get_flops', osp.join(REPO, 'tools', 'analysis', 'get_flops.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build(config, genotype=None):
    cfg = Config.fromfile(config)
    if genotype:
        cfg.model.backbone.genotype = genotype
    init_default_scope('mmpose')
    return MODELS.build(cfg.model)


@pytest.mark.parametrize('config,search,size', TINY_CONFIGS,
                         ids=lambda v: osp.basename(v)[:40]
                         if isinstance(v, str) else None)
def test_cli_on_every_tiny_config(tmp_path, monkeypatch, capsys, config,
                                  search, size):
    argv = ['get_flops.py', config, '--input-shape', *map(str, size),
            '--json', str(tmp_path / 'flops.json')]
    genotype = None
    if search:
        genotype = str(tmp_path / 'genotype.json')
        torch.manual_seed(0)
        build(search).backbone.derive_genotype().save(genotype)
        argv += ['--genotype', genotype]
    monkeypatch.setattr(sys, 'argv', argv)
    get_flops().main()
    result = json.loads((tmp_path / 'flops.json').read_text())
    model = build(config, genotype)
    assert result['params'] == sum(p.numel() for p in model.parameters())
    assert result['arch_params'] == sum(a.numel()
                                        for a in arch_parameters(model))
    assert (result['arch_params'] > 0) == ('search' in osp.basename(config))
    assert result['input_shape'] == list(size)
    assert result['macs'] > result['params']  # every weight used per pixel
    out = capsys.readouterr().out
    assert f'({result["params"]} incl. {result["arch_params"]} α)' in out
    assert f'convention (1 multiply-add = 1 FLOP): {result["macs"]} MACs' \
        in out


def hand_count(model, x):
    """MACs by formula: convolutions k_h*k_w*C_in/groups per output element,
    BatchNorm (inference) 1 op per element, 2 with affine parameters."""
    total = []

    def conv(m, inp, out):
        total.append(out.numel() * m.weight[0].numel())

    def bn(m, inp, out):
        total.append(inp[0].numel() * (2 if m.affine else 1))

    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            m.register_forward_hook(conv)
        elif isinstance(m, nn.BatchNorm2d):
            m.register_forward_hook(bn)
        else:
            assert not isinstance(m, (nn.Linear, nn.ConvTranspose2d)), m
    with torch.no_grad():
        model._forward(x)
    return sum(total)


def test_macs_of_a_fixed_darts_network_equal_a_hand_count():
    nodes = [[['sep_conv_3x3', 0], ['dil_conv_5x5', 1]],
             [['max_pool_3x3', 0], ['skip_connect', 2]],
             [['sep_conv_5x5', 3], ['avg_pool_3x3', 1]]]
    cells = {t: dict(nodes=nodes, concat=[2, 3, 4])
             for t in ('normal', 'reduce')}
    cfg = Config.fromfile(DARTS_FIXED)
    cfg.model.backbone.genotype = Genotype.from_dict(dict(cells=cells))
    init_default_scope('mmpose')
    model = MODELS.build(cfg.model).eval()
    counted = get_flops().count(model, 64, 48)
    expected = hand_count(model, torch.randn(1, 3, 64, 48))
    assert counted['macs'] == expected
    assert counted['params'] == sum(p.numel() for p in model.parameters())
    assert counted['arch_params'] == 0
