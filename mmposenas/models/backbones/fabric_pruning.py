"""Prune a searched PoseNFS network without retraining (PoseNFS Sec. III-F).

Ops whose α weight is exactly zero and fabric neighbours whose β weight is
exactly zero contribute exactly nothing; cells that reach the output only
through such links compute for nothing. :func:`prune_pose_model` derives the
continuous genotype of the searched α/β (every op and neighbour of non-zero
weight, with the searched weights), builds the fixed network of that
genotype (which omits the zero-weight ops, the zero-weight input transforms
and the unreachable cells) and copies the searched weights into it. Its
outputs equal the supernet's bit for bit (same ops, same weights, same
summation order; the left-out terms were ``0 · x``).
"""
import copy
from typing import Dict, Tuple

import torch.nn as nn
from mmpose.registry import MODELS

from ..search import Genotype, searchable_modules


def prune_pose_model(model_cfg: dict, model: nn.Module
                     ) -> Tuple[nn.Module, Genotype, Dict[str, int]]:
    """The pruned fixed network of a searched PoseNFS pose model.

    Args:
        model_cfg (dict): The model config the supernet was built from (its
            ``backbone`` is a :class:`PartFabricBackbone` with
            ``genotype=None``).
        model (nn.Module): That supernet, with the searched weights loaded.

    Returns:
        tuple: The pruned model (same config, ``backbone.genotype`` set to
        the continuous genotype, searched weights loaded, strict), the
        genotype, and a report ``{'params_before', 'params_after',
        'cells_before', 'cells_after', 'ops_before', 'ops_after'}``.
    """
    modules = searchable_modules(model)
    if len(modules) != 1 or not hasattr(modules[0], 'fabrics'):
        raise ValueError('prune_pose_model: expected a model with one '
                         'searchable PartFabricBackbone (genotype=None)')
    backbone = modules[0]
    genotype = backbone.derive_genotype(mode='continuous')
    cfg = copy.deepcopy(model_cfg)
    cfg['backbone']['genotype'] = genotype.to_dict()
    pruned = MODELS.build(cfg)
    state = model.state_dict()
    target = pruned.state_dict()
    missing = [k for k in target if k not in state]
    if missing:
        raise KeyError(f'prune_pose_model: the pruned network has weights the '
                       f'supernet lacks: {missing[:5]}')
    pruned.load_state_dict({k: state[k] for k in target}, strict=True)

    def count_ops(m: nn.Module) -> int:
        return sum(len(e.ops) for f in m.backbone.fabrics
                   for c in f.cells.values() for e in c.edges.values())

    report = dict(
        params_before=sum(p.numel() for p in model.parameters()),
        params_after=sum(p.numel() for p in pruned.parameters()),
        cells_before=sum(len(f.cells) for f in model.backbone.fabrics),
        cells_after=sum(len(f.cells) for f in pruned.backbone.fabrics),
        ops_before=count_ops(model), ops_after=count_ops(pruned))
    return pruned, genotype, report
