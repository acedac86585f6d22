"""A synchronous PoseNFS search resumes bit for bit (RandomStateHook)."""
import torch
from mmengine.config import Config
from mmengine.runner import Runner

import mmposenas  # noqa: F401
from conftest import REPO

SYNC = (f'{REPO}/configs/posenfs/'
        'td-vip_pnfs-tiny-sync_1xb7-4e_coco-sample-64x48.py')


def train(work_dir, max_epochs, resume=False):
    cfg = Config.fromfile(SYNC)
    cfg.work_dir = str(work_dir)
    cfg.randomness = dict(seed=0, deterministic=True)
    cfg.train_cfg.max_epochs = max_epochs
    cfg.train_cfg.val_interval = 100
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.default_hooks.checkpoint.max_keep_ckpts = -1
    cfg.resume = resume
    Runner.from_cfg(cfg).train()


def nested_equal(x, y):
    if isinstance(x, torch.Tensor):
        return torch.equal(x, y)
    if isinstance(x, dict):
        return x.keys() == y.keys() and all(nested_equal(x[k], y[k])
                                            for k in x)
    if isinstance(x, (list, tuple)):
        return len(x) == len(y) and all(map(nested_equal, x, y))
    return x == y


def test_two_epochs_equal_one_epoch_plus_resume(tmp_path):
    train(tmp_path / 'full', 2)
    train(tmp_path / 'split', 1)
    train(tmp_path / 'split', 2, resume=True)
    a = torch.load(tmp_path / 'full' / 'epoch_2.pth', map_location='cpu')
    b = torch.load(tmp_path / 'split' / 'epoch_2.pth', map_location='cpu')
    one = torch.load(tmp_path / 'split' / 'epoch_1.pth', map_location='cpu')
    key = 'backbone.arch_params.alphas.fabric0_beta'
    assert not torch.equal(one['state_dict'][key], b['state_dict'][key])
    assert a['state_dict'].keys() == b['state_dict'].keys()
    differ = [k for k in a['state_dict']
              if not torch.equal(a['state_dict'][k], b['state_dict'][k])]
    assert not differ, f'differ after resume: {differ[:5]}'
    assert nested_equal(a['optimizer'], b['optimizer'])  # w, α and β state
    assert (tmp_path / 'full' / 'genotype.json').read_text() == \
        (tmp_path / 'split' / 'genotype.json').read_text()
