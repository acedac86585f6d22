"""Every full-size PoseNFS config builds and runs one small forward pass.

The models are the real ones (MobileNetV2, ResNet-50, HRNet-W32 stem~stage3,
CNF backbone; P part fabrics; vector-in-pixel head), without pretrained
weights, on a 2-image batch at 64 px (COCO: 64×48). Checked: one score map
per keypoint of the config's dataset, values in [0, 1) (the squashed vector
length), and the backbone pyramid the adapter expects.
"""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmpose.registry import MODELS

import mmposenas  # noqa: F401

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(
    glob.glob(osp.join(REPO, 'configs/posenfs/*_1xb24-200e_*.py')))


def test_every_full_size_config_is_listed():
    names = {osp.basename(c) for c in CONFIGS}
    assert len(names) >= 12
    for part in ('mbv2', 'res50', 'hrnet-w32-s3', 'fabric2'):
        assert any(f'pnfs-{part}-' in n for n in names), part
    assert any('hrnet' in n and 'mpii-256x256' in n for n in names)
    for part in ('mbv2', 'res50', 'hrnet'):
        assert any(part in n and 'coco-256x192' in n for n in names), part
        assert any(part in n and 'coco-384x288' in n for n in names), part
        assert any(part in n and 'mpii-256x256' in n for n in names), part


@pytest.mark.parametrize('config', CONFIGS, ids=osp.basename)
def test_full_size_config_builds_and_runs(config):
    cfg = Config.fromfile(config)
    init_default_scope('mmpose')
    inner = cfg.model.backbone.backbone
    inner.pop('init_cfg', None)  # no download
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).eval()
    num_keypoints = 17 if 'coco' in osp.basename(config) else 16
    assert cfg.model.head.out_channels == num_keypoints
    backbone = model.backbone
    assert backbone.body_parts.num_keypoints == num_keypoints
    # the paper's optimisation settings
    assert cfg.optim_wrapper.optimizer.lr == 1e-3
    assert cfg.param_scheduler[0].milestones == [90, 120, 150]
    assert cfg.train_dataloader.batch_size == 24
    assert cfg.model.test_cfg.flip_test is True
    w, h = cfg.codec['input_size']
    x = torch.randn(2, 3, 64, 64 * w // h)
    with torch.no_grad():
        feats = backbone.backbone(x) if not backbone.fabric_backbone \
            else None
        out = model._forward(x)
    if feats is not None:  # the pyramid the adapter is configured for
        assert [f.shape[1] for f in feats] == \
            cfg.model.backbone.adapter.in_channels
        assert [f.shape[-1] for f in feats] == [
            -(-x.shape[-1] // 2**(s + 2)) for s in range(4)]
    assert out.shape == (2, num_keypoints, 16, 16 * w // h)
    assert torch.isfinite(out).all()
    assert out.min() >= 0 and out.max() < 1
    assert out.std() > 0  # not a constant map
