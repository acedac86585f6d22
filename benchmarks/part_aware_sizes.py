"""Parameters and multiply-adds of the part-aware networks next to the paper's.

Builds the retraining configs (256x256 input, 64 depth bins; N_c = 10, 15,
20) as fixed networks for three genotypes and counts them with
``tools/analysis/get_flops.py`` (MACs: one multiply-add = 1; FLOPs = 2 MACs):

* ``param-free``: every edge a pooling or skip connection;
* ``all-sep``: every edge ``sep_conv_3x3``;
* ``fig6``: a typical derived genotype written after the description of the
  paper's Fig. 6 (dilated convolutions in the normal cell, separable ones in
  the reduction cell; fusion node 0 from separable convs of the inputs, node
  1 from node 0 and a dilated conv of input 1, node 2 from a pooled node 0
  and a skip from node 1).

Every node reads two states; node ``i`` reads states ``i`` and ``i + 1``
(inputs first), except in ``fig6``. Part groups: Strategy II (the JSON the
seed search configs use) and Strategy I (3 even groups of 6 joints). It also
prints the share of MACs and parameters in the fusion cells and writes the
genotypes to ``--out`` for ``tools/analysis/get_flops.py --genotype``.

    .venv/bin/python benchmarks/part_aware_sizes.py --out work_dirs/sizes
"""
import argparse
import importlib.util
import os
import os.path as osp

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmpose.registry import MODELS

import mmposenas  # noqa: F401
from mmposenas.models.search import CellGenotype, Genotype
from mmposenas.models.search.cost import count_macs

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = {
    n: osp.join(REPO, 'configs', 'part_aware_nas',
                f'vol-int_pa-nas-c{n}r5f3_1xb64-20e_h36m-p2-mpii-256x256.py')
    for n in (10, 15, 20)
}
GROUPS_II = osp.join(REPO, 'configs', 'part_aware_nas',
                     'part_groups_h36m-sample_ksg_3.json')
#: (params, multiply-adds) of the paper's Strategy II, N_g = 3 models; the
#: 15-cell numbers are only in its Table 6, which the text we have lacks.
PAPER = {10: (12.2e6, 12.9e9), 15: None, 20: (19.2e6, 16.0e9)}


def chain(ops, num_nodes):
    """Node i reads states i, i + 1 with ops[0], ops[1]."""
    return CellGenotype([[(ops[0], i), (ops[1], i + 1)]
                         for i in range(num_nodes)],
                        list(range(2, 2 + num_nodes)))


def genotypes(num_groups: int = 3):
    fusion_fig6 = CellGenotype(
        [[('sep_conv_3x3', 0), ('sep_conv_5x5', 1)],
         [('sep_conv_3x3', 2), ('dil_conv_3x3', 1)],
         [('max_pool_3x3', 2), ('skip_connect', 3)]], [2, 3, 4])
    return {
        'param-free': Genotype({
            'normal': chain(('skip_connect', 'max_pool_3x3'), 4),
            'reduce': chain(('max_pool_3x3', 'avg_pool_3x3'), 4),
            'fusion': chain(('skip_connect', 'max_pool_3x3'), num_groups),
        }),
        'all-sep': Genotype({
            k: chain(('sep_conv_3x3', 'sep_conv_3x3'),
                     num_groups if k == 'fusion' else 4)
            for k in ('normal', 'reduce', 'fusion')
        }),
        'fig6': Genotype({
            'normal': CellGenotype(
                [[('dil_conv_3x3', 0), ('dil_conv_5x5', 1)],
                 [('dil_conv_3x3', 1), ('sep_conv_3x3', 2)],
                 [('dil_conv_5x5', 2), ('skip_connect', 0)],
                 [('dil_conv_3x3', 3), ('dil_conv_3x3', 1)]], [2, 3, 4, 5]),
            'reduce': CellGenotype(
                [[('sep_conv_3x3', 0), ('sep_conv_5x5', 1)],
                 [('sep_conv_3x3', 1), ('max_pool_3x3', 0)],
                 [('sep_conv_5x5', 0), ('skip_connect', 2)],
                 [('sep_conv_3x3', 3), ('sep_conv_3x3', 1)]], [2, 3, 4, 5]),
            'fusion': fusion_fig6,
        }),
    }


def load_count():
    """``count`` of tools/analysis/get_flops.py (the one FLOPs counter)."""
    path = osp.join(REPO, 'tools', 'analysis', 'get_flops.py')
    spec = importlib.util.spec_from_file_location('get_flops', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.count


def fusion_share(model, size):
    """Shares of MACs and parameters in the fusion cells."""
    backbone = model.backbone
    analyzer = count_macs(backbone, (torch.randn(1, 3, size, size), ))
    by_module = analyzer.by_module()
    total = analyzer.total()
    fusion = [i for i, c in enumerate(backbone.cells)
              if c.cell_type == 'fusion']
    macs = sum(by_module[f'cells.{i}'] for i in fusion)
    params = sum(p.numel() for i in fusion
                 for p in backbone.cells[i].parameters())
    all_params = sum(p.numel() for p in backbone.parameters())
    return macs / total, params / all_params


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out', default='work_dirs/part_aware_sizes',
                        help='folder for the genotype JSON files')
    parser.add_argument('--cells', type=int, nargs='+', default=[10, 15, 20])
    parser.add_argument('--size', type=int, default=256)
    args = parser.parse_args()
    torch.set_num_threads(1)
    count = load_count()
    os.makedirs(args.out, exist_ok=True)
    paths = {}
    for name, genotype in genotypes().items():
        paths[name] = osp.join(args.out, f'genotype_{name}.json')
        genotype.save(paths[name])
    print(f'input {args.size}x{args.size}, 64 depth bins, 18 joints; MACs = '
          f'multiply-adds (FLOPs = 2 x MACs)')
    print(f'{"N_c":>3} {"groups":<6} {"genotype":<10} {"params":>8} '
          f'{"GMACs":>6} {"GFLOPs":>6} {"fusion MACs":>11} '
          f'{"fusion params":>13}  paper (params, multiply-adds)')
    for n in args.cells:
        cfg = Config.fromfile(CONFIGS[n])
        init_default_scope(cfg.get('default_scope', 'mmpose'))
        paper = PAPER[n]
        ref = ('not in the text (Table 6)' if paper is None else
               f'{paper[0] / 1e6:.1f} M, {paper[1] / 1e9:.1f} G')
        for strategy, groups in (('II', GROUPS_II), ('I', 3)):
            for name, path in paths.items():
                cfg.model.backbone.genotype = path
                cfg.model.backbone.groups = groups
                model = MODELS.build(cfg.model)
                with torch.no_grad():
                    result = count(model, args.size, args.size)
                    macs_share, params_share = fusion_share(model, args.size)
                print(f'{n:>3} {strategy:<6} {name:<10} '
                      f'{result["params"] / 1e6:>7.2f}M '
                      f'{result["macs"] / 1e9:>6.2f} '
                      f'{2 * result["macs"] / 1e9:>6.2f} '
                      f'{macs_share:>11.0%} {params_share:>13.0%}  '
                      f'{ref if strategy == "II" else ""}', flush=True)


if __name__ == '__main__':
    main()
