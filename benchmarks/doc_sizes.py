"""Parameter and multiply-add counts quoted in README.md and docs/*.md.

Each row names the doc line it backs. Parameters are ``sum(p.numel())``
over the module (shared tensors once), α/β (``arch_parameters``) left out;
multiply-adds are MMEngine's
``FlopAnalyzer`` totals (the core's ``count_macs``, the counter of
``tools/analysis/get_flops.py``) of one image.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/doc_sizes.py
"""
import os.path as osp

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmpose.registry import MODELS

import mmposenas  # noqa: F401
from mmposenas.models.search import arch_parameters
from mmposenas.models.search.cost import count_macs

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
PNFS = osp.join(REPO, 'configs', 'posenfs')
BASE = osp.join(REPO, 'configs', 'baselines')


def params(module: torch.nn.Module) -> int:
    """Parameters of ``module`` without α/β, shared tensors counted once."""
    arch = {id(p) for p in arch_parameters(module)}
    seen = {}
    for p in module.parameters():
        if id(p) not in arch:
            seen[id(p)] = p.numel()
    return sum(seen.values())


def model_of(config: str, **options):
    cfg = Config.fromfile(config)
    cfg.merge_from_dict(options)
    init_default_scope('mmpose')
    return MODELS.build(cfg.model).eval()


def row(doc: str, what: str, value: str) -> None:
    print(f'{doc:<28} {what:<62} {value}')


def macs(module: torch.nn.Module, h: int, w: int) -> float:
    with torch.no_grad():
        return count_macs(module, (torch.randn(1, 3, h, w), )).total()


def posenfs() -> None:
    mpii = osp.join(PNFS, 'td-vip_pnfs-mbv2-c10-p3-sync_1xb24-200e_'
                    'mpii-256x256.py')
    no_init = {'model.backbone.backbone.init_cfg': None}
    for name, cfg in (
            ('MobileNetV2', mpii),
            ('ResNet-50', osp.join(PNFS, 'td-vip_pnfs-res50-c10-p3-sync_'
                                   '1xb24-200e_mpii-256x256.py')),
            ('HRNet-W32 stem~stage3',
             osp.join(PNFS, 'td-vip_pnfs-hrnet-w32-s3-c16-p5-sync_1xb24-'
                      '200e_mpii-256x256.py'))):
        m = model_of(cfg, **no_init)
        row('docs/posenfs.md Backbones', f'{name} (unused stages deleted)',
            f'{params(m.backbone.backbone) / 1e6:.2f} M')
    whole = model_of(mpii, **no_init)
    dense = model_of(
        mpii, **no_init, **{'model.backbone.op_set': 'posenfs_subnet_dense'})
    row('docs/posenfs.md op set', 'MPII MobileNetV2 C=10 P=3, posenfs_subnet',
        f'{params(whole) / 1e6:.2f} M')
    row('docs/posenfs.md op set', '... with posenfs_subnet_dense',
        f'{params(dense) / 1e6:.2f} M')
    for arch in ('fabric1', 'fabric2', 'fabric3'):
        net = MODELS.build(dict(type='FabricPyramidBackbone', arch=arch))
        net.eval()
        dense_net = MODELS.build(
            dict(type='FabricPyramidBackbone', arch=arch, op_set='posenfs'))
        row('docs/posenfs.md CNF', f'{arch} backbone (no α/β), 256x256',
            f'{params(net) / 1e6:.2f} M, {macs(net, 256, 256) / 1e9:.2f} G '
            f'MACs; dense atrous: {params(dense_net) / 1e6:.2f} M')


def baselines() -> None:
    m = model_of(
        osp.join(BASE, 'integral',
                 'vol-int_res50_1xb24-70e_h36m-p2-mpii-256x256.py'),
        **{'model.head.num_keypoints': 17,
           'model.backbone.init_cfg': None})
    head = m.head
    deconv = sum(
        p.numel() for n, p in head.named_parameters()
        if n.startswith('deconv') and p.dim() == 4)
    row('docs/baselines.md', 'integral ResNet-50, 17 joints: total',
        f'{params(m) / 1e6:.2f} M')
    row('docs/baselines.md', '... ResNet-50 backbone',
        f'{params(m.backbone) / 1e6:.2f} M')
    row('docs/baselines.md', '... deconv weights',
        f'{deconv / 1e6:.2f} M')
    row('docs/baselines.md', '... rest of the head (BN, 1x1 conv)',
        f'{(params(head) - deconv) / 1e6:.2f} M')
    for cfg in ('integral/vol-int_res18-tiny-ppm_1xb32-10e_synthetic-figures-'
                '64x64.py',
                'lifting/td-hm_res18-tiny_1xb32-10e_synthetic-figures-'
                '64x64.py',
                'lifting/lift_simple-baseline-tiny_1xb64-30e_synthetic-'
                'figures.py',
                'part_aware/vol-int_darts-tiny-search-fo_1xb32-2e_synthetic-'
                'figures-64x64.py'):
        options = {}
        if 'lift_simple' in cfg:
            options = {'model.head.decoder.stats_file':
                       'data/samples/h36m/lifting_stats.json'}
        m = model_of(osp.join(BASE, cfg), **options)
        row('docs/baselines.md chains', osp.basename(cfg)[:60],
            f'{params(m) / 1e6:.3f} M')


if __name__ == '__main__':
    torch.manual_seed(0)
    print(f'{"backs":<28} {"what":<62} value')
    posenfs()
    baselines()
