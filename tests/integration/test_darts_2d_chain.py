"""2D chain on the COCO sample: search -> derive -> retrain -> test.

The tools run in this process (their ``main`` with ``sys.argv`` set), which
saves three interpreter start-ups; the configs are the shipped ones
(``SEARCH_CFG``, ``FIXED_CFG``), one epoch each.
"""
import importlib.util
import json
import math
import os.path as osp
import sys

import torch

from mmposenas.models.search import Genotype
from conftest import FIXED_CFG, REPO, SEARCH_CFG


def run_tool(monkeypatch, tool, *args):
    path = osp.join(REPO, 'tools', tool)
    spec = importlib.util.spec_from_file_location(
        osp.splitext(tool)[0] + '_under_test', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(sys, 'argv', [path, *map(str, args)])
    module.main()


def test_search_derive_retrain_test_with_coco_metric(tmp_path, monkeypatch):
    search = tmp_path / 'search'
    run_tool(monkeypatch, 'train.py', SEARCH_CFG, '--work-dir', search,
             '--cfg-options', 'train_cfg.max_epochs=1',
             'train_cfg.val_interval=100', 'custom_hooks.1.begin_epoch=0')
    exported = Genotype.load(str(search / 'genotype.json'),
                             required=['normal', 'reduce'])

    derived = tmp_path / 'derived.yaml'
    run_tool(monkeypatch, 'derive.py', SEARCH_CFG, search / 'epoch_1.pth',
             '--out', derived)
    genotype = Genotype.load(str(derived), required=['normal', 'reduce'])
    assert genotype == exported  # checkpoint and hook agree
    assert all(len(node) == 2 for cell in genotype.cells.values()
               for node in cell.nodes)

    retrain = tmp_path / 'retrain'
    opts = ['--cfg-options', f'model.backbone.genotype={derived}']
    run_tool(monkeypatch, 'train.py', FIXED_CFG, '--work-dir', retrain, *opts,
             'train_cfg.max_epochs=1', 'train_cfg.val_interval=100')
    state = torch.load(retrain / 'epoch_1.pth',
                       map_location='cpu')['state_dict']
    assert not [k for k in state if 'arch_params' in k]  # a fixed network
    # 2 kept edges per node, 3 nodes, 3 cells: 18 edges of the genotype's ops
    edges = {k.split('.edges.')[0] + '.' + k.split('.edges.')[1].split('.')[0]
             for k in state if '.edges.' in k}
    parametric = sum(op not in ('max_pool_3x3', 'avg_pool_3x3',
                                'skip_connect') or (op == 'skip_connect'
                                                    and t == 'reduce' and j < 2)
                     for t, cell in (('normal', genotype['normal']),
                                     ('reduce', genotype['reduce']),
                                     ('normal', genotype['normal']))
                     for node in cell.nodes for op, j in node)
    assert len(edges) == parametric

    metrics = tmp_path / 'metrics.json'
    run_tool(monkeypatch, 'test.py', FIXED_CFG, retrain / 'epoch_1.pth',
             '--work-dir', tmp_path / 'test', '--out', metrics, *opts)
    result = json.loads(metrics.read_text())
    for key in ('coco/AP', 'coco/AP .5', 'coco/AP .75', 'coco/AR',
                'coco/AR .5'):
        assert key in result, key
        assert math.isfinite(result[key]) and -1 <= result[key] <= 1
