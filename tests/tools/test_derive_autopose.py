"""tools/derive.py --fixed-checkpoint for AutoPose: a copy at the search
widths computes exactly what the supernet computes under the derived branches
and argmax cells; a doubled-width retrain config is refused with the reason."""
import os.path as osp

import pytest
import torch
from mmpose.registry import MODELS

from mmposenas.models.search import Genotype, searchable_modules
from tools_test_utils import REPO, build, load_tool, tiny_supernet_checkpoint

derive = load_tool('tools/derive.py')
C = osp.join(REPO, 'configs/autopose')
SEARCH = f'{C}/td-hm_autopose-tiny-search_1xb7-2e_coco-sample-64x48.py'
KEEP = f'{C}/td-hm_autopose-tiny-keep-width_1xb7-4e_coco-sample-64x48.py'
# per module: a mix, one branch, all off, all on, ...
BRANCHES = [[1, 0, 1, 1], [0, 1, 0, 0], [0, 0, 0, 0], [1, 1, 1, 1],
            [0, 0, 1, 1], [1, 0, 0, 1]]


def supernet_checkpoint(path):
    model = tiny_supernet_checkpoint(SEARCH, path, seed=1)
    (net, ) = searchable_modules(model)
    net.set_derived_branches(BRANCHES)
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), path)
    return model, net


def test_fixed_checkpoint_at_search_widths_equals_the_supernet(tmp_path):
    model, net = supernet_checkpoint(tmp_path / 'supernet.pth')
    out = tmp_path / 'g.json'
    derive.main([SEARCH, str(tmp_path / 'supernet.pth'), '--out', str(out),
                 '--retrain-config', KEEP, '--fixed-checkpoint',
                 str(tmp_path / 'fixed.pth')])
    genotype = Genotype.load(str(out))
    assert genotype.extras['branches'] == BRANCHES
    fixed = build(str(tmp_path / 'g_fixed.py'))
    ckpt = torch.load(tmp_path / 'fixed.pth', map_location='cpu')
    fixed.load_state_dict(ckpt['state_dict'], strict=True)
    # only the derived active branches were built, e.g. module 2 has none
    assert [sorted(map(int, layer.branches))
            for layer in fixed.backbone.layers] == [
                [b for b in range(4) if row[b]] for row in BRANCHES]
    # an aggregation weight of branch 2 of module 0 comes from the supernet
    # cell's input 2 (the fixed cell's input 1: branch 1 is off)
    key = 'backbone.layers.0.branches.2.aggregation.cell.preprocess.1.'
    fixed_state, sup_state = fixed.state_dict(), model.state_dict()
    src = {k: k.replace('preprocess.1.', 'preprocess.2.')
           for k in fixed_state if k.startswith(key)}
    src = {k: v for k, v in src.items() if v in sup_state}  # no affine BN
    assert len(src) >= 3  # conv weight, BN running mean and var
    assert all(torch.equal(fixed_state[k], sup_state[v])
               for k, v in src.items())
    # (the supernet's input 1 is a factorized reduction: other keys)
    assert key + 'op.op.1.weight' not in sup_state
    # same function: supernet (eval: argmax α, running BN statistics) under
    # the derived branches == the fixed network
    model.eval()
    fixed.eval()
    net.set_active_branches(net.derived_branches)
    x = torch.randn(2, 3, 64, 48)
    with torch.no_grad():
        expected = model._forward(x)
        got = fixed._forward(x)
    assert expected.abs().max() > 1e-3
    torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-6)
    # a different branch mask gives other outputs: the comparison can fail
    net.set_active_branches('all')
    with torch.no_grad():
        assert not torch.allclose(model._forward(x), got, atol=1e-4)


def test_doubled_widths_are_refused_with_the_reason():
    """The refusal derive.py raises (from AutoPoseBackbone.supernet_key_map,
    which tools/derive.py calls through SearchableMixin.fixed_state_dict);
    small backbones keep the test fast."""
    cfg = dict(type='AutoPoseBackbone', stem_channels=4, channels=(2, 2, 4, 4),
               num_stages=2, modules_per_stage=1, bottleneck_expansion=2)
    torch.manual_seed(0)
    supernet = MODELS.build(cfg)
    supernet.set_derived_branches([[1, 0, 1, 0], [0, 1, 1, 1]])
    genotype = supernet.derive_genotype()
    doubled = MODELS.build(dict(cfg, channels=(4, 4, 8, 8),
                                genotype=genotype))
    with pytest.raises(ValueError) as err:
        supernet.fixed_state_dict(doubled)
    msg = str(err.value)
    assert 'channels: fixed [4, 4, 8, 8] vs search [2, 2, 4, 4]' in msg
    assert 'doubled channels' in msg and 'keep-width' in msg
    # the same widths are accepted
    same = MODELS.build(dict(cfg, genotype=genotype))
    state, _ = supernet.fixed_state_dict(same)
    assert state.keys() == same.state_dict().keys()
