"""PoseNFS through the shared tools: the β-weighted fabric pictures of
tools/visualize_genotype.py and tools/derive.py --fixed-checkpoint."""
import importlib.util
import os.path as osp

import matplotlib.image as mpimg
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmpose.registry import MODELS

import mmposenas  # noqa: F401
from mmposenas.models.search import Genotype
from mmposenas.visualization import draw_fabric_cell

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SEARCH = osp.join(REPO, 'configs/posenfs/'
                  'td-vip_pnfs-tiny-sync_1xb7-4e_coco-sample-64x48.py')
FIXED = osp.join(REPO, 'configs/posenfs/'
                 'td-vip_pnfs-tiny-fixed_1xb7-8e_coco-sample-64x48.py')


def load_tool(relpath):
    spec = importlib.util.spec_from_file_location(
        'posenfs_' + osp.basename(relpath)[:-3], osp.join(REPO, relpath))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build(config, **options):
    cfg = Config.fromfile(config)
    cfg.merge_from_dict(options)
    init_default_scope('mmpose')
    return MODELS.build(cfg.model)


def one_hot_supernet(path, seed=0, **options):
    """A tiny supernet with random β, one-hot α (other weights exactly 0) and
    BatchNorm statistics off their defaults, saved as a checkpoint."""
    torch.manual_seed(seed)
    model = build(SEARCH, **options)
    arch = model.backbone.arch_params.alphas
    with torch.no_grad():
        for p in range(3):
            arch[f'fabric{p}_beta'].normal_()
            # fabric p keeps op 1 + p % 3: skip, sep_conv, dil_conv
            arch[f'fabric{p}_cell'].zero_()
            arch[f'fabric{p}_cell'][0, 1 + p % 3] = 300.0
        for name, buf in model.named_buffers():
            if name.endswith(('running_mean', 'running_var')):
                buf.uniform_(0.5, 1.5)
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), path)
    return model.eval()


def test_fabric_pictures_draw_the_genotype_beta(tmp_path):
    model = one_hot_supernet(tmp_path / 'sup.pth')
    genotype = model.backbone.derive_genotype(mode='continuous')
    path = tmp_path / 'g.json'
    genotype.save(str(path))
    vis = load_tool('tools/visualize_genotype.py')
    written = vis.main([str(path), '--out-dir', str(tmp_path / 'png'),
                        '--engine', 'matplotlib'])
    names = sorted(osp.basename(p) for p in written)
    assert [n for n in names if n.startswith('fabric_')] == [
        'fabric_fabric0_cell.png', 'fabric_fabric1_cell.png',
        'fabric_fabric2_cell.png']
    for p in written:
        image = mpimg.imread(p)
        assert image.shape[0] > 100 and image.std() > 0.01
    # the drawn widths are the genotype's β, one edge per real neighbour
    cell = Genotype.load(str(path))['fabric1_cell']
    drawn = draw_fabric_cell(cell, str(tmp_path / 'f.png'), 'fabric1')
    expected = {(r['layer'], r['scale'], k): w for r in cell.extras['beta']
                for k, w in enumerate(r['weights']) if w is not None}
    assert len(expected) == 6 * 3 - 3  # three scale-0 cells lack "finer"
    assert drawn.keys() == expected.keys()
    for key, w in expected.items():
        assert drawn[key] == pytest.approx(w, abs=1e-9)
    probs = model.backbone.arch_params.probabilities('fabric1_beta')
    assert drawn[(3, 1, 2)] == pytest.approx(float(probs[1, 2]), abs=1e-7)
    with pytest.raises(ValueError, match=r'extras.beta\[0\]'):
        cell.extras['beta'][0] = dict(layer=3, scale=0, weights=[0.5])
        draw_fabric_cell(cell, str(tmp_path / 'bad.png'))


def test_derive_fixed_checkpoint_reproduces_one_hot_supernet(tmp_path):
    supernet = one_hot_supernet(tmp_path / 'sup.pth')
    derive = load_tool('tools/derive.py')
    out = tmp_path / 'g.json'
    derive.main([SEARCH, str(tmp_path / 'sup.pth'), '--out', str(out),
                 '--retrain-config', FIXED, '--out-config',
                 str(tmp_path / 'fixed.py'), '--fixed-checkpoint',
                 str(tmp_path / 'fixed.pth')])
    genotype = Genotype.load(str(out))
    assert [genotype[f'fabric{p}_cell'].nodes for p in range(3)] == [
        [[('skip_connect', 0)]], [[('sep_conv_3x3', 0)]],
        [[('dil_conv_3x3', 0)]]]
    cfg = Config.fromfile(str(tmp_path / 'fixed.py'))
    init_default_scope('mmpose')
    fixed = MODELS.build(cfg.model)
    state = torch.load(tmp_path / 'fixed.pth')['state_dict']
    fixed.load_state_dict(state, strict=True)
    fixed.eval()
    # the kept op's weights are the supernet's (found independently)
    key = 'backbone.fabrics.1.cells.l5_s0.edges.n0_i0.ops.sep_conv_3x3.' \
        'op.1.op.2.weight'
    assert torch.equal(state[key], supernet.state_dict()[key])
    assert not any('ops.dil_conv_3x3' in k for k in state
                   if '.fabrics.1.' in k)
    x = torch.randn(2, 3, 64, 48, generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        expected, got = supernet._forward(x), fixed._forward(x)
    assert expected.abs().max() > 0
    assert torch.allclose(got, expected, atol=1e-6)


def test_derive_refuses_checkpoint_of_another_op_list(tmp_path):
    one_hot_supernet(tmp_path / 'dense.pth',
                     **{'model.backbone.op_set': 'posenfs_subnet_dense'})
    derive = load_tool('tools/derive.py')
    with pytest.raises(derive.CheckpointMismatchError) as err:
        derive.main([SEARCH, str(tmp_path / 'dense.pth'), '--out',
                     str(tmp_path / 'g.json')])
    msg = str(err.value)
    assert 'dense.pth' in msg and SEARCH in msg
    assert "['atrous_conv_3x3']" in msg and "['dil_conv_3x3']" in msg
    assert not (tmp_path / 'g.json').exists()


def test_prune_tool_counts_fewer_multiply_adds_after_pruning(tmp_path):
    from mmposenas.models.backbones import prune_pose_model
    tool = load_tool('tools/analysis/prune_fabric.py')
    model = one_hot_supernet(tmp_path / 'sup.pth')
    with torch.no_grad():  # fabric 0 drops cell (4, 1) and all it feeds on
        model.backbone.arch_params.alphas['fabric0_beta'][5, 2] = -1e4
    cfg = Config.fromfile(SEARCH).model.to_dict()
    pruned, _, report = prune_pose_model(cfg, model)
    assert report['cells_before'] - report['cells_after'] == 2
    before = tool.multiply_adds(model, 32, 32)
    after = tool.multiply_adds(pruned, 32, 32)
    # the one-hot α already removes 2 of 3 ops on every edge, so the
    # pruned network is much cheaper; the supernet count includes them
    assert 0 < after < before
    x = torch.randn(1, 3, 32, 32)
    with torch.no_grad():
        assert torch.equal(model.eval()._forward(x), pruned.eval()._forward(x))
