"""Size of the stated PoseNFS model through tools/analysis/get_flops.py.

MobileNetV2 + P=3 CNFs (C=10, H=1, 6 cells) + vector in pixel d=8 on MPII:
the issue states 2.90 M executed parameters and 1.29 G multiply-adds at
256×256 (mmengine FlopAnalyzer). Counting at 256×256 costs several seconds,
so the test counts at 64×64: every feature map of this network is exactly
1/16 of its 256×256 size (all sizes are powers of two down to 1/32), and
every counted op (convolutions, BatchNorm, bilinear resizing) is linear in
the number of output positions, so MACs(256²) = 16 · MACs(64²) exactly.
docs/posenfs.md gives the 256×256 command (1.28 G there as well).
"""
import importlib.util
import os.path as osp

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs/posenfs/'
                  'td-vip_pnfs-mbv2-c10-p3-sync_1xb24-200e_mpii-256x256.py')


def test_stated_model_params_and_multiply_adds(capsys):
    spec = importlib.util.spec_from_file_location(
        'posenfs_get_flops', osp.join(REPO, 'tools/analysis/get_flops.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    result = tool.main([CONFIG, '--input-shape', '64', '64', '--cfg-options',
                        'model.backbone.backbone.init_cfg=None'])
    printed = capsys.readouterr().out
    assert f'{result["macs"]} MACs' in printed
    assert abs(result['params'] / 2.90e6 - 1) < 0.05
    macs_256 = 16 * result['macs']
    assert abs(macs_256 / 1.29e9 - 1) < 0.05
    # the 3 fabrics' α (1 edge × 4 ops) and β (6 cells × 3) are counted once
    assert result['arch_params'] == 3 * (4 + 18)
