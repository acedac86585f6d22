"""Derive a searched checkpoint: genotype, fixed-network config, weights.

From a supernet checkpoint of any method (any backbone implementing
``SearchableMixin``) this writes

1. the genotype (``--out``, ``.json``/``.yaml``);
2. with a retrain config (``--retrain-config``, else the key
   ``retrain_config`` of the search config; paths relative to the working
   directory), a fixed-network config (``--out-config``, default
   ``<genotype dir>/<genotype stem>_fixed.py``) that inherits the retrain
   config and sets ``model.backbone.genotype`` to the written genotype
   (through ``{{ fileDirname }}``, so the pair can be moved together);
3. with ``--fixed-checkpoint PATH``, a checkpoint of that fixed network whose
   weights are copied from the supernet (``SearchableMixin.fixed_state_dict``:
   each kept edge takes the weights of its chosen op; stem, heads and
   everything else are copied as they are; BatchNorm affine parameters
   that an ``affine=False`` supernet lacks start at weight 1, bias 0).

The checkpoint must match the search config exactly: missing, unexpected or
differently shaped keys are refused with an error naming the file and keys
(a different op list shows up as unexpected/missing ``ops.<name>`` keys and a
differently shaped α).

Example::

    python tools/derive.py configs/darts_pose/td-hm_darts-tiny-search-fo_1xb7-4e_coco-sample-64x48.py \
        work_dirs/search/epoch_4.pth --out work_dirs/search/derived.json \
        --retrain-config configs/darts_pose/td-hm_darts-tiny_1xb7-8e_coco-sample-64x48.py \
        --fixed-checkpoint work_dirs/search/derived_fixed.pth
"""
import argparse
import io
import os
import os.path as osp
import re
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn as nn
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from mmengine.runner.checkpoint import _load_checkpoint
from mmpose.registry import MODELS

import mmposenas  # noqa: F401
from mmposenas.models.search import (Genotype, SearchableMixin,
                                     check_finite_arch,
                                     named_searchable_modules)
from mmposenas.utils.io import atomic_write_bytes, atomic_write_text

MAX_LISTED = 8  # keys listed in a mismatch error


class CheckpointMismatchError(ValueError):
    """A checkpoint does not fit the model its config builds."""


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Derive the genotype (and fixed config / weights) of a '
        'supernet checkpoint')
    parser.add_argument('config', help='the search config')
    parser.add_argument('checkpoint', help='a checkpoint of that search')
    parser.add_argument('--out', required=True,
                        help='genotype file to write (.json, .yaml or .yml)')
    parser.add_argument('--retrain-config',
                        help='config of the fixed network to inherit '
                        '(default: the key `retrain_config` of the search '
                        'config)')
    parser.add_argument('--out-config',
                        help='fixed-network config to write (default: '
                        '<genotype dir>/<genotype stem>_fixed.py)')
    parser.add_argument('--fixed-checkpoint',
                        help='also write a fixed-network checkpoint with the '
                        'shared weights copied from the supernet')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override search-config settings, key=value')
    return parser.parse_args(argv)


def load_config(path: str, options: Optional[dict] = None) -> Config:
    """Read a config, apply ``--cfg-options`` and set the default scope."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'config {path!r} not found')
    cfg = Config.fromfile(path)
    if options:
        cfg.merge_from_dict(options)
    init_default_scope(cfg.get('default_scope', 'mmpose'))
    return cfg


def build_supernet(cfg: Config, config_path: str
                   ) -> Tuple[nn.Module, str, SearchableMixin]:
    """Build the model and find its one searchable module (with its path)."""
    model = MODELS.build(cfg.model)
    found = named_searchable_modules(model)
    if len(found) != 1:
        raise ValueError(f'config {config_path!r} builds {len(found)} '
                         f'searchable modules; expected a supernet with one '
                         f'(is model.backbone.genotype set?)')
    name, module = found[0]
    return model, name, module


def _listed(keys: List[str]) -> str:
    more = len(keys) - MAX_LISTED
    return ', '.join(keys[:MAX_LISTED]) + (f' ... (+{more} more)'
                                           if more > 0 else '')


def _op_hint(missing: List[str], unexpected: List[str]) -> str:
    """Name the candidate ops that differ, if any keys are op weights."""
    def ops(keys):
        return {m.group(1) for k in keys
                for m in [re.search(r'\.ops\.([^.]+)\.', k)] if m}
    extra, absent = ops(unexpected) - ops(missing), ops(missing) - ops(
        unexpected)
    parts = []
    if extra:
        parts.append(f'the checkpoint has ops {sorted(extra)} that the '
                     f'config\'s op list lacks')
    if absent:
        parts.append(f'the config\'s op list has ops {sorted(absent)} that '
                     f'the checkpoint lacks')
    return ('; ' + '; '.join(parts) + ' (different op_set?)') if parts else ''


def checkpoint_state_dict(path: str) -> Dict[str, torch.Tensor]:
    """The model state dict stored in an MMEngine checkpoint file."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'checkpoint {path!r} not found')
    ckpt = _load_checkpoint(path, map_location='cpu')
    if not isinstance(ckpt, dict):
        raise CheckpointMismatchError(f'checkpoint {path!r}: expected a dict, '
                                      f'got {type(ckpt).__name__}')
    state = ckpt.get('state_dict', ckpt)
    return {k[len('module.'):] if k.startswith('module.') else k: v
            for k, v in state.items()}


def check_state_dict(model: nn.Module, state: Dict[str, torch.Tensor],
                     checkpoint: str, config: str) -> None:
    """Refuse a checkpoint whose keys or shapes differ from the model's.

    Raises:
        CheckpointMismatchError: Naming the checkpoint, the config and the
            missing / unexpected / differently shaped keys.
    """
    expected = model.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    shapes = [
        f'{k} (checkpoint {tuple(state[k].shape)}, model '
        f'{tuple(expected[k].shape)})' for k in sorted(set(state) & set(
            expected)) if tuple(state[k].shape) != tuple(expected[k].shape)
    ]
    if not (missing or unexpected or shapes):
        return
    lines = [f'checkpoint {checkpoint!r} does not match the model of config '
             f'{config!r}' + _op_hint(missing, unexpected)]
    if missing:
        lines.append(f'  missing keys: {_listed(missing)}')
    if unexpected:
        lines.append(f'  unexpected keys: {_listed(unexpected)}')
    if shapes:
        lines.append(f'  shape mismatch: {_listed(shapes)}')
    raise CheckpointMismatchError('\n'.join(lines))


def load_supernet_checkpoint(model: nn.Module, checkpoint: str,
                             config: str) -> None:
    """Check and load a supernet checkpoint into ``model`` (strict)."""
    state = checkpoint_state_dict(checkpoint)
    check_state_dict(model, state, checkpoint, config)
    model.load_state_dict(state, strict=True)


def retrain_config_path(args: argparse.Namespace,
                        cfg: Config) -> Optional[str]:
    """``--retrain-config``, else the search config's ``retrain_config``."""
    path = args.retrain_config or cfg.get('retrain_config', None)
    if path is not None and not osp.isfile(path):
        source = ('--retrain-config' if args.retrain_config else
                  f'key retrain_config of {args.config!r}')
        raise FileNotFoundError(f'retrain config {path!r} ({source}) not '
                                f'found')
    return path


def write_fixed_config(retrain_config: str, genotype_path: str,
                       out_config: str) -> str:
    """Write a config inheriting ``retrain_config`` with the genotype set.

    Both paths are written relative to the new config's folder (the
    genotype through MMEngine's ``{{ fileDirname }}``).
    """
    out_dir = osp.dirname(osp.abspath(out_config))
    base = osp.relpath(osp.abspath(retrain_config), out_dir)
    genotype = osp.relpath(osp.abspath(genotype_path), out_dir)
    text = (
        '# Fixed network of a derived genotype (written by tools/derive.py).\n'
        f'_base_ = [{base!r}]\n\n'
        f"genotype = '{{{{ fileDirname }}}}/{genotype}'\n"
        'model = dict(backbone=dict(genotype=genotype))\n')
    os.makedirs(out_dir, exist_ok=True)
    atomic_write_text(out_config, text)
    return out_config


def build_fixed_model(fixed_config: str) -> Tuple[nn.Module, Config]:
    """Build the model of a fixed-network config."""
    cfg = load_config(fixed_config)
    return MODELS.build(cfg.model), cfg


def fixed_state_dict(supernet: nn.Module, prefix: str,
                     searchable: SearchableMixin, fixed: nn.Module
                     ) -> Tuple[Dict[str, torch.Tensor], List[str]]:
    """The state dict of ``fixed`` with the supernet's shared weights.

    The searchable module (at ``prefix``) maps through
    :meth:`SearchableMixin.fixed_state_dict`; every other key (head, neck,
    data preprocessor buffers) must exist with the same shape in both.
    """
    fixed_module = fixed.get_submodule(prefix) if prefix else fixed
    if not isinstance(fixed_module, SearchableMixin) or \
            fixed_module.is_searchable:
        raise ValueError(f'the fixed config builds no fixed searchable-type '
                         f'module at {prefix!r} (got '
                         f'{type(fixed_module).__name__})')
    inner, kept = searchable.fixed_state_dict(fixed_module)
    dot = prefix + '.' if prefix else ''
    state = {dot + k: v for k, v in inner.items()}
    source = supernet.state_dict()
    for key, value in fixed.state_dict().items():
        if key.startswith(dot) and dot:
            continue
        if key not in source:
            raise KeyError(f'fixed network key {key!r} (outside the '
                           f'searchable module) is not in the supernet')
        if source[key].shape != value.shape:
            raise ValueError(f'fixed network key {key!r} has shape '
                             f'{tuple(value.shape)}, the supernet '
                             f'{tuple(source[key].shape)}')
        state[key] = source[key].detach().clone()
    return state, [dot + k for k in kept]


def save_checkpoint(state: Dict[str, torch.Tensor], path: str,
                    meta: dict) -> None:
    """Write ``{'state_dict', 'meta'}`` atomically (temporary file, rename)."""
    buffer = io.BytesIO()
    torch.save(dict(state_dict=state, meta=meta), buffer)
    atomic_write_bytes(path, buffer.getvalue())


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    if not args.out.endswith(('.json', '.yaml', '.yml')):
        raise ValueError(f'--out must end with .json, .yaml or .yml, got '
                         f'{args.out!r}')
    cfg = load_config(args.config, args.cfg_options)
    retrain = retrain_config_path(args, cfg)
    if args.fixed_checkpoint and retrain is None:
        raise ValueError('--fixed-checkpoint needs a retrain config '
                         '(--retrain-config or retrain_config in the search '
                         'config) to build the fixed network')
    model, prefix, searchable = build_supernet(cfg, args.config)
    load_supernet_checkpoint(model, args.checkpoint, args.config)
    check_finite_arch(searchable, f'checkpoint {args.checkpoint!r}')

    genotype: Genotype = searchable.derive_genotype()
    genotype.save(args.out)
    print(genotype.to_json(), end='')
    print(f'genotype written to {args.out}')
    if retrain is None:
        return
    out_config = args.out_config or osp.splitext(args.out)[0] + '_fixed.py'
    write_fixed_config(retrain, args.out, out_config)
    print(f'fixed-network config written to {out_config} (inherits '
          f'{retrain})')
    if args.fixed_checkpoint:
        fixed, _ = build_fixed_model(out_config)
        state, kept = fixed_state_dict(model, prefix, searchable, fixed)
        save_checkpoint(
            state, args.fixed_checkpoint,
            meta=dict(derived_from=osp.abspath(args.checkpoint),
                      search_config=osp.abspath(args.config),
                      genotype=genotype.to_dict(),
                      initialised_keys=kept))
        print(f'fixed-network checkpoint written to {args.fixed_checkpoint} '
              f'({len(state) - len(kept)} tensors copied from the supernet, '
              f'{len(kept)} BatchNorm affine tensors at their initial '
              f'values)')


if __name__ == '__main__':
    main()
