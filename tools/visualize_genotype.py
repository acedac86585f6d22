"""PNGs of a genotype: every cell, network-level choices, α entropy history.

Graphviz draws the cells when its ``dot`` binary is on ``PATH``, matplotlib
otherwise. ``--write-dot`` also writes the Graphviz source of every cell
(``cell_<type>.dot``), which needs no binary: render it elsewhere with
``dot -Tpng cell_normal.dot -o cell_normal.png``. Fusion-cell nodes are labelled with the joint names of their
body-part group (``--metainfo``: an MMPose dataset-info file). See
:mod:`mmposenas.visualization.genotype_plot` for the genotype extras read
(``node_groups``, ``branches``, ``fabric_beta``).

Example::

    python tools/visualize_genotype.py work_dirs/demo/genotype.json \
        --out-dir work_dirs/demo/genotype_png \
        --metainfo configs/_base_/datasets/h36m18.py \
        --history work_dirs/demo/search/genotype_history.json
"""
import argparse
import json
import os
import os.path as osp
from typing import List, Optional

from mmposenas.models.search import Genotype
from mmposenas.utils.io import atomic_write_text
from mmposenas.visualization import (cell_to_dot, draw_genotype,
                                     joint_names_from_meta)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Draw a genotype')
    parser.add_argument('genotype', help='genotype .json/.yaml')
    parser.add_argument('--out-dir', required=True, help='folder for PNGs')
    parser.add_argument('--metainfo',
                        help='dataset info file for joint names, e.g. '
                        'configs/_base_/datasets/h36m18.py')
    parser.add_argument('--history', help='genotype_history.json of a search')
    parser.add_argument('--engine', default='auto',
                        choices=['auto', 'graphviz', 'matplotlib'])
    parser.add_argument('--write-dot', action='store_true',
                        help='also write the Graphviz source of every cell '
                        '(cell_<type>.dot; no graphviz binary needed)')
    return parser.parse_args(argv)


def load_joint_names(path: Optional[str]) -> Optional[List[str]]:
    """Joint names from an MMPose dataset-info file."""
    if path is None:
        return None
    if not osp.isfile(path):
        raise FileNotFoundError(f'--metainfo {path!r} not found')
    from mmpose.datasets.datasets.utils import parse_pose_metainfo
    return joint_names_from_meta(parse_pose_metainfo(dict(from_file=path)))


def load_history(path: Optional[str]) -> Optional[list]:
    if path is None:
        return None
    with open(path, encoding='utf-8') as f:
        history = json.load(f)
    if not isinstance(history, list):
        raise ValueError(f'--history {path!r}: expected a JSON list of '
                         f'{{epoch, iter, entropy, genotype}}')
    return history


def write_dot_sources(genotype: Genotype, out_dir: str,
                      joint_names: Optional[List[str]] = None) -> List[str]:
    """Write ``cell_<type>.dot`` (Graphviz source) for every cell type.

    The same source the graphviz engine renders (``cell_to_dot``); written
    atomically. Returns the paths written.
    """
    os.makedirs(out_dir, exist_ok=True)
    written = []
    for cell_type, cell in genotype.cells.items():
        path = osp.join(out_dir, f'cell_{cell_type}.dot')
        atomic_write_text(path, cell_to_dot(cell, f'{cell_type} cell',
                                            joint_names))
        written.append(path)
    return written


def main(argv: Optional[List[str]] = None) -> List[str]:
    args = parse_args(argv)
    genotype = Genotype.load(args.genotype)
    joint_names = load_joint_names(args.metainfo)
    written = draw_genotype(genotype, args.out_dir, joint_names,
                            load_history(args.history), args.engine)
    if args.write_dot:
        written += write_dot_sources(genotype, args.out_dir, joint_names)
    for path in written:
        print(f'written {path}')
    return written


if __name__ == '__main__':
    main()
