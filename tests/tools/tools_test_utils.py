"""Shared pieces of the tool tests: tiny supernet checkpoints, tool modules."""
import functools
import importlib.util
import os.path as osp
import tempfile

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmpose.registry import MODELS

import mmposenas  # noqa: F401
from mmposenas.models.search import searchable_modules

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DARTS_SEARCH = osp.join(
    REPO, 'configs/darts_pose/'
    'td-hm_darts-tiny-search-fo_1xb7-4e_coco-sample-64x48.py')
DARTS_FIXED = osp.join(REPO, 'configs/darts_pose/'
                       'td-hm_darts-tiny_1xb7-8e_coco-sample-64x48.py')
PA_SEARCH = osp.join(REPO, 'configs/part_aware_nas/vol-int_pa-nas-tiny-'
                     'search-fo_1xb9-4e_h36m-mpii-sample-64x64.py')
PA_FIXED = osp.join(REPO, 'configs/part_aware_nas/'
                    'vol-int_pa-nas-tiny_1xb9-8e_h36m-mpii-sample-64x64.py')
COCO_IMAGE = osp.join(REPO, 'data/samples/coco/000000196141.jpg')


def load_tool(relpath: str):
    """Import ``tools/<relpath>`` or ``demo/<relpath>`` as a module."""
    path = osp.join(REPO, relpath)
    name = 'tool_' + osp.splitext(relpath)[0].replace('/', '_')
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build(config: str, **options) -> torch.nn.Module:
    cfg = Config.fromfile(config)
    if options:
        cfg.merge_from_dict(options)
    init_default_scope('mmpose')
    return MODELS.build(cfg.model)


def tiny_supernet_checkpoint(config: str, path: str, seed: int = 0,
                             **options) -> torch.nn.Module:
    """A supernet of ``config`` with random α and weights, saved to ``path``.

    α and every BatchNorm running statistic are random, so the derivation
    picks varied ops and a copy from the wrong op/edge shows up as a value
    difference.
    """
    torch.manual_seed(seed)
    model = build(config, **options)
    (net, ) = searchable_modules(model)
    net.arch_params.reset_random(seed, std=1.0)
    with torch.no_grad():
        for name, buf in model.named_buffers():
            if name.endswith(('running_mean', 'running_var')):
                buf.uniform_(0.5, 1.5)
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), path)
    return model


@functools.lru_cache(maxsize=None)
def derived(kind: str):
    """Derive once per session: (supernet, dir, genotype, config, ckpt)."""
    search, fixed = dict(darts=(DARTS_SEARCH, DARTS_FIXED),
                         pa=(PA_SEARCH, PA_FIXED))[kind]
    folder = tempfile.mkdtemp(prefix=f'mmposenas_derive_{kind}_')
    ckpt = osp.join(folder, 'supernet.pth')
    supernet = tiny_supernet_checkpoint(search, ckpt)
    genotype = osp.join(folder, 'genotype.json')
    config = osp.join(folder, 'fixed.py')
    fixed_ckpt = osp.join(folder, 'fixed.pth')
    load_tool('tools/derive.py').main([
        search, ckpt, '--out', genotype, '--retrain-config', fixed,
        '--out-config', config, '--fixed-checkpoint', fixed_ckpt
    ])
    return supernet, folder, genotype, config, fixed_ckpt
