"""Two identical runs give bit-identical weights, α and genotype.

The tiny COCO-sample search with the data-loading settings of the demo
(2 persistent worker processes, shuffling, random augmentation) and α
updates from the first iteration: everything random must come from the
config's ``randomness.seed`` (model init, sampler order, worker
augmentation, the architecture loader).
"""
import json

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from conftest import SEARCH_CFG


def run(work_dir):
    cfg = Config.fromfile(SEARCH_CFG)
    cfg.work_dir = str(work_dir)
    cfg.train_cfg.max_epochs = 1
    cfg.train_cfg.val_interval = 100
    cfg.custom_hooks[1].begin_epoch = 0
    cfg.train_dataloader.num_workers = 2
    cfg.train_dataloader.persistent_workers = True
    for loader in (cfg.train_dataloader, cfg.custom_hooks[1].arch_dataloader):
        loader.batch_size = 3
        loader.dataset.indices = 6  # 2 iterations of 3 instances
    Runner.from_cfg(cfg).train()
    return torch.load(work_dir / 'epoch_1.pth', map_location='cpu')


@pytest.mark.slow  # data-loader worker processes
def test_two_identical_runs_are_bit_identical(tmp_path):
    a = run(tmp_path / 'a')
    b = run(tmp_path / 'b')
    assert a['state_dict'].keys() == b['state_dict'].keys()
    for key, value in a['state_dict'].items():
        assert torch.equal(value, b['state_dict'][key]), key
    arch_a = a['arch_optimizer']['optimizer']['state']
    arch_b = b['arch_optimizer']['optimizer']['state']
    for k in arch_a:
        assert torch.equal(arch_a[k]['exp_avg'], arch_b[k]['exp_avg'])
    assert (json.loads((tmp_path / 'a' / 'genotype.json').read_text()) ==
            json.loads((tmp_path / 'b' / 'genotype.json').read_text()))
    assert a['meta']['iter'] == 2  # both iterations ran
