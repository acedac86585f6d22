"""Resuming an AutoPose search is exact: same branch masks, controller,
baseline, history and weights as the uninterrupted run (RandomStateHook
restores the global RNGs, BranchControllerHook its own state)."""
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

import mmposenas  # noqa: F401
from conftest import REPO

SEARCH = (f'{REPO}/configs/autopose/'
          'td-hm_autopose-tiny-search_1xb7-2e_coco-sample-64x48.py')


class RecordMasks(Hook):
    """The branch mask of every training iteration (after it is sampled)."""
    priority = 'NORMAL'

    def __init__(self):
        self.masks = []

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        backbone = runner.model.backbone
        self.masks.append((runner.iter, backbone.active_branches))


def run(work_dir, resume_from=None):
    cfg = Config.fromfile(SEARCH)
    cfg.work_dir = str(work_dir)
    cfg.train_cfg.val_interval = 100  # no validation
    cfg.model.backbone.modules_per_stage = 1  # 3 modules: a faster test
    hook = next(h for h in cfg.custom_hooks
                if h.type == 'BranchControllerHook')
    hook.plot = False
    hook.reward_dataloader.dataset.indices = 7  # one batch per reward
    hook.num_derive_samples = 1
    if resume_from:
        cfg.resume, cfg.load_from = True, str(resume_from)
    runner = Runner.from_cfg(cfg)
    recorder = RecordMasks()
    runner.register_hook(recorder)
    runner.train()
    return recorder.masks, torch.load(work_dir / 'epoch_2.pth',
                                      map_location='cpu')


def assert_same(a, b, where=''):
    if isinstance(a, torch.Tensor):
        assert torch.equal(a, b), where
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for k in a:
            assert_same(a[k], b[k], f'{where}.{k}')
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f'{where}[{i}]')
    else:
        assert a == b, where


def test_resumed_search_continues_exactly(tmp_path):
    masks, full = run(tmp_path / 'full')
    resumed_masks, resumed = run(tmp_path / 'resumed',
                                 resume_from=tmp_path / 'full/epoch_1.pth')
    assert len(masks) == 4 and resumed_masks == masks[2:]
    assert len({str(m) for _, m in masks}) > 1  # masks do change
    assert_same(full['branch_controller'], resumed['branch_controller'],
                'branch_controller')
    assert len(full['branch_controller']['history']['updates']) == 2
    assert_same(full['state_dict'], resumed['state_dict'], 'state_dict')
