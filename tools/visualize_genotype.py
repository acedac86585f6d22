"""PNGs of a genotype: every cell, network-level choices, α entropy history.

Graphviz draws the cells when its ``dot`` binary is on ``PATH``, matplotlib
otherwise. Fusion-cell nodes are labelled with the joint names of their
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
import os.path as osp
from typing import List, Optional

from mmposenas.models.search import Genotype
from mmposenas.visualization import draw_genotype, joint_names_from_meta


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


def main(argv: Optional[List[str]] = None) -> List[str]:
    args = parse_args(argv)
    genotype = Genotype.load(args.genotype)
    written = draw_genotype(genotype, args.out_dir,
                            load_joint_names(args.metainfo),
                            load_history(args.history), args.engine)
    for path in written:
        print(f'written {path}')
    return written


if __name__ == '__main__':
    main()
