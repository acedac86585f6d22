"""tools/derive.py: genotype, fixed config and weights from a supernet."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from mmposenas.models.search import Genotype, SearchCell, searchable_modules
from tools_test_utils import (DARTS_SEARCH, PA_SEARCH, build, derived,
                              load_tool, tiny_supernet_checkpoint)

derive = load_tool('tools/derive.py')


def _cells(model):
    return [m for m in model.backbone.modules() if isinstance(m, SearchCell)]


def _check_copied(supernet, fixed):
    """Every fixed tensor equals its supernet source, found independently."""
    sup_state, fix_state = supernet.state_dict(), fixed.state_dict()
    checked = 0
    for sup_cell, fix_cell in zip(_cells(supernet), _cells(fixed)):
        for k, (pair, op) in enumerate(zip(fix_cell.edge_index,
                                           fix_cell.edge_ops)):
            source = sup_cell.edges[sup_cell.edge_index.index(pair)].ops[op]
            src = dict(source.state_dict())
            for name, value in fix_cell.edges[k].state_dict().items():
                if name in src:
                    assert torch.equal(value, src[name]), (k, op, name)
                    checked += 1
                else:  # affine BN parameters absent from the supernet
                    assert name.endswith(('weight', 'bias'))
                    assert torch.all(value == (1 if name.endswith('weight')
                                               else 0))
        for name, value in fix_cell.preprocess.state_dict().items():
            src = sup_cell.preprocess.state_dict()
            if name in src:
                assert torch.equal(value, src[name])
    for key in ('backbone.stem.0.weight', 'backbone.stem.1.running_var'):
        assert torch.equal(fix_state[key], sup_state[key])
    others = [k for k in fix_state if not k.startswith('backbone.')]
    assert all(torch.equal(fix_state[k], sup_state[k]) for k in others)
    return checked, others


@pytest.mark.parametrize('kind', ['darts', 'pa'])
def test_derive_writes_genotype_config_and_weights(kind):
    supernet, folder, genotype_file, config, fixed_ckpt = derived(kind)
    (net, ) = searchable_modules(supernet)
    assert Genotype.load(genotype_file) == net.derive_genotype()
    # the fixed config inherits the retrain config and points at the genotype
    cfg = Config.fromfile(config)
    assert osp.samefile(cfg.model.backbone.genotype, genotype_file)
    assert 'ArchOptimizerHook' not in str(cfg.custom_hooks)
    fixed = build(config)
    state = torch.load(fixed_ckpt, map_location='cpu')['state_dict']
    fixed.load_state_dict(state, strict=True)
    checked, others = _check_copied(supernet, fixed)
    assert checked > 10
    # HeatmapHead has weights; VolumetricIntegralHead (no final layer) none
    assert bool(others) == (kind == 'darts')
    # the fixed network computes: same input -> finite, deterministic output
    fixed.eval()
    x = torch.randn(1, 3, 64, 64 if kind == 'pa' else 48)
    with torch.no_grad():
        out = fixed._forward(x)
    out = out[-1] if isinstance(out, tuple) else out
    assert torch.isfinite(out).all()


def test_fusion_cell_projection_copied():
    supernet, _, _, config, fixed_ckpt = derived('pa')
    fixed = build(config)
    fixed.load_state_dict(torch.load(fixed_ckpt)['state_dict'])
    sup_fusion, fix_fusion = _cells(supernet)[-1], _cells(fixed)[-1]
    assert fix_fusion.cell_type == 'fusion'
    for a, b in zip(sup_fusion.node_projections, fix_fusion.node_projections):
        assert torch.equal(a.weight, b.weight)


def _derive(ckpt, tmp_path, *opts):
    return derive.main([DARTS_SEARCH, str(ckpt), '--out',
                        str(tmp_path / 'g.json'), *opts])


def test_refuses_wrong_op_list(tmp_path):
    ckpt = tmp_path / 'other_ops.pth'
    tiny_supernet_checkpoint(
        DARTS_SEARCH, ckpt, **{
            'model.backbone.op_set':
            ['skip_connect', 'sep_conv_3x3', 'conv_7x1_1x7']
        })
    with pytest.raises(derive.CheckpointMismatchError) as err:
        _derive(ckpt, tmp_path)
    msg = str(err.value)
    assert str(ckpt) in msg and DARTS_SEARCH in msg
    assert "'conv_7x1_1x7'" in msg  # the op the config lacks is named
    assert 'arch_params.alphas.normal' in msg  # α shape differs
    assert not (tmp_path / 'g.json').exists()


@pytest.mark.parametrize('change', ['missing', 'extra'])
def test_refuses_missing_or_extra_keys(tmp_path, change):
    ckpt = tmp_path / 'sup.pth'
    model = build(DARTS_SEARCH)
    state = model.state_dict()
    key = 'backbone.cells.0.preprocess.0.op.op.1.weight'
    if change == 'missing':
        del state[key]
    else:
        key = 'backbone.cells.0.surprise'
        state[key] = torch.zeros(1)
    torch.save(dict(state_dict=state), ckpt)
    with pytest.raises(derive.CheckpointMismatchError,
                       match=f'{change if change == "missing" else "unexp"}'
                       f'.*{key}'):
        _derive(ckpt, tmp_path)


def test_refuses_checkpoint_of_another_config(tmp_path):
    ckpt = tmp_path / 'pa.pth'
    torch.save(dict(state_dict=build(PA_SEARCH).state_dict()), ckpt)
    with pytest.raises(derive.CheckpointMismatchError, match='pa.pth'):
        _derive(ckpt, tmp_path)


def test_fixed_checkpoint_needs_retrain_config(tmp_path):
    _, folder, _, _, _ = derived('darts')
    with pytest.raises(ValueError, match='retrain config'):
        _derive(osp.join(folder, 'supernet.pth'), tmp_path,
                '--fixed-checkpoint', str(tmp_path / 'f.pth'))
