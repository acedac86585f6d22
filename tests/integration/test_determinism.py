"""Two identical runs give bit-identical weights, α and genotype.

The tiny COCO-sample search with the data-loading settings of the demo
(2 persistent worker processes, shuffling, random augmentation) and α
updates from the first iteration: everything random must come from the
config's ``randomness.seed`` (model init, sampler order, worker
augmentation, the architecture loader).
"""
import importlib.util
import json
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from conftest import REPO, SEARCH_CFG


def run(work_dir):
    spec = importlib.util.spec_from_file_location(
        'thread_count_effect_for_determinism',
        osp.join(REPO, 'benchmarks', 'thread_count_effect.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    Runner.from_cfg(module.tiny_search_config(Config.fromfile(SEARCH_CFG),
                                              work_dir)).train()
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
