"""The AutoPose configs carry the paper's settings and build: full-size COCO
search and retrain, the MPII transfer of a COCO genotype, and the tiny
proxy-figures pair (derived network at doubled width, 16x16 heatmaps)."""
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmpose.registry import MODELS

import mmposenas  # noqa: F401
from conftest import REPO

C = f'{REPO}/configs/autopose'
SEARCH = f'{C}/td-hm_autopose-search_1xb128-50e_coco-256x192.py'
COCO = f'{C}/td-hm_autopose_1xb128-210e_coco-256x192.py'
MPII = f'{C}/td-hm_autopose_1xb128-210e_mpii-256x256.py'
SYN_SEARCH = f'{C}/td-hm_autopose-tiny-search_1xb32-4e_synthetic-figures-64x64.py'  # noqa: E501
SYN_FIXED = f'{C}/td-hm_autopose-tiny_1xb32-15e_synthetic-figures-64x64.py'
BRANCHES = [[1, 1, 0, 0], [1, 0, 1, 0], [0, 0, 0, 0], [1, 1, 1, 1],
            [0, 1, 0, 1], [1, 0, 0, 0]]


def hook(cfg, name):
    (h, ) = [h for h in cfg.custom_hooks if h.type == name]
    return h


def genotype_of(search_cfg, tmp_path):
    """A genotype derived from the search config's supernet (random α)."""
    torch.manual_seed(0)
    net = MODELS.build(search_cfg.model.backbone)
    net.arch_params.reset_random(0, std=1.0)
    net.set_derived_branches(BRANCHES)
    path = str(tmp_path / 'genotype.json')
    net.derive_genotype().save(path)
    return net, path


def test_search_config_has_the_papers_settings():
    cfg = Config.fromfile(SEARCH)
    assert cfg.train_cfg.max_epochs == 50
    assert cfg.train_dataloader.batch_size == 128
    assert list(cfg.codec.input_size) == [192, 256]
    types = [t.type for t in cfg.train_pipeline]
    assert 'RandomFlip' in types
    (bbox, ) = [t for t in cfg.train_pipeline
                if t.type == 'RandomBBoxTransform']
    assert bbox.rotate_factor == 45.0 and bbox.rotate_prob == 1.0
    assert cfg.model.backbone.channels == (16, 32, 64, 128)
    ctrl = hook(cfg, 'BranchControllerHook')
    assert (ctrl.begin_epoch, ctrl.num_updates, ctrl.samples_per_update,
            ctrl.num_derive_samples) == (5, 10, 2, 10)
    assert ctrl.optimizer == dict(type='Adam', lr=3.5e-3)
    assert ctrl.reward_key == 'coco/AP'
    assert ctrl.reward_evaluator.type == 'CocoMetric'
    arch = hook(cfg, 'ArchOptimizerHook')
    assert arch.mode == 'first_order'
    assert arch.optimizer.type == 'Adam' and arch.optimizer.lr == 3e-3
    assert hook(cfg, 'ArchTemperatureHook')


@pytest.mark.parametrize('config,joints,size', [(COCO, 17, (192, 256)),
                                                (MPII, 16, (256, 256))])
def test_retrain_configs_build_the_doubled_network(config, joints, size,
                                                   tmp_path):
    init_default_scope('mmpose')
    search = Config.fromfile(SEARCH)
    supernet, genotype = genotype_of(search, tmp_path)
    cfg = Config.fromfile(config)
    assert cfg.train_cfg.max_epochs == 210
    assert cfg.optim_wrapper.optimizer.type == 'Adam'
    assert cfg.optim_wrapper.optimizer.lr == 1e-3
    (step, ) = [s for s in cfg.param_scheduler if s.type == 'MultiStepLR']
    assert step.milestones == [170, 200] and step.gamma == 0.1
    assert cfg.train_dataloader.batch_size == 128
    assert cfg.model.test_cfg.flip_test is True
    assert list(cfg.codec.input_size) == list(size)
    cfg.model.backbone.genotype = genotype
    model = MODELS.build(cfg.model)
    fixed = model.backbone
    assert fixed.channels == [2 * c for c in supernet.channels]
    assert [sorted(map(int, m.branches)) for m in fixed.layers] == [
        [b for b in range(4) if row[b]] for row in BRANCHES]
    model.eval()
    with torch.no_grad():
        out = model._forward(torch.randn(1, 3, 64, 64))
    assert out.shape == (1, joints, 16, 16)
    if config == MPII:
        assert cfg.train_dataloader.dataset.type == 'MpiiDataset'
        assert 'PCK' in str(cfg.val_evaluator)


def test_proxy_figure_configs_build(tmp_path):
    init_default_scope('mmpose')
    search = Config.fromfile(SYN_SEARCH)
    assert hook(search, 'BranchControllerHook').begin_epoch == 1
    # weights S1-S11, α S12-S13, reward on 100 val images: disjoint splits
    arch = hook(search, 'ArchOptimizerHook').arch_dataloader.dataset
    assert search.train_dataloader.dataset.indices == 1760
    assert arch.indices == list(range(1760, 2000))
    reward = hook(search, 'BranchControllerHook').reward_dataloader.dataset
    assert reward.ann_file.endswith('_val.json') and reward.indices == 100
    supernet, genotype = genotype_of(search, tmp_path)
    cfg = Config.fromfile(SYN_FIXED)
    cfg.model.backbone.genotype = genotype
    model = MODELS.build(cfg.model).eval()
    assert model.backbone.channels == [2 * c for c in supernet.channels]
    with torch.no_grad():
        out = model._forward(torch.randn(1, 3, 64, 64))
    assert out.shape == (1, 17, 32, 32) and torch.isfinite(out).all()
