"""Export a (derived, fixed) pose network with its head to ONNX and check it.

The exported graph is ``model._forward``: backbone (+ neck) + head on an
already normalised image batch ``input`` (B, 3, H, W) (the data
preprocessor's mean/std normalisation and the codec's decoding stay outside,
as in MMDeploy's pose SDK). Its output is what the head's ``forward``
returns, e.g. heatmaps (B, K, h, w) for ``HeatmapHead`` or normalised
coordinates (B, K, 3) for ``VolumetricIntegralHead``.

After export the model is run with ONNX Runtime on a random input and the
largest absolute difference to PyTorch is printed; the tool fails when it
exceeds ``--atol``.

Exporter: TorchScript-based ``torch.onnx.export(..., dynamo=False)`` (opset
17). It needs no extra packages and handles the networks here;
``--dynamo`` switches to the torch.export-based exporter (needs
``onnxscript``).

Example::

    python tools/deployment/export_onnx.py CONFIG CHECKPOINT --out model.onnx \
        --input-shape 64 48 --cfg-options model.backbone.genotype=genotype.json
"""
import argparse
import os
import os.path as osp
import tempfile
from typing import List, Optional

import numpy as np
import torch
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint
from mmpose.registry import MODELS

import mmposenas  # noqa: F401
from mmposenas.models.search import searchable_modules


class TensorForward(torch.nn.Module):
    """``model._forward`` as a module with a single tensor output."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 3, H, W) normalised images -> the head's forward output."""
        out = self.model._forward(x)
        if isinstance(out, (tuple, list)):
            if len(out) != 1:
                raise ValueError(f'the head returns {len(out)} tensors; '
                                 f'export supports one')
            out = out[0]
        return out


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Export a pose network to ONNX and compare with PyTorch')
    parser.add_argument('config', help='model config (fixed network)')
    parser.add_argument('checkpoint', nargs='?',
                        help='checkpoint (omit for initial weights)')
    parser.add_argument('--out', required=True, help='.onnx file to write')
    parser.add_argument('--input-shape', type=int, nargs=2,
                        default=[256, 192], help='input height and width')
    parser.add_argument('--opset', type=int, default=17)
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the random check images')
    parser.add_argument('--atol', type=float, default=1e-4,
                        help='largest allowed |ONNX - PyTorch|')
    parser.add_argument('--dynamo', action='store_true',
                        help='use the torch.export-based exporter')
    parser.add_argument('--allow-supernet', action='store_true',
                        help='export a supernet (α as constants) as well')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, key=value')
    return parser.parse_args(argv)


def build_model(config: str, checkpoint: Optional[str],
                cfg_options: Optional[dict] = None,
                allow_supernet: bool = False) -> torch.nn.Module:
    """Build the pose model in eval mode and load the checkpoint."""
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmpose'))
    model = MODELS.build(cfg.model)
    if searchable_modules(model) and not allow_supernet:
        raise ValueError(f'config {config!r} builds a supernet (α present); '
                         f'export the derived fixed network (set '
                         f'model.backbone.genotype) or pass --allow-supernet')
    if checkpoint:
        load_checkpoint(model, checkpoint, map_location='cpu', strict=True)
    return model.eval()


def export(model: torch.nn.Module, out: str, height: int, width: int,
           opset: int = 17, dynamo: bool = False) -> torch.Tensor:
    """Write ``out`` (atomically); returns the example input used."""
    wrapped = TensorForward(model).eval()
    example = torch.randn(1, 3, height, width)
    folder = osp.dirname(osp.abspath(out))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix='.onnx', dir=folder)
    os.close(fd)
    try:
        with torch.no_grad():
            torch.onnx.export(
                wrapped, (example, ), tmp, input_names=['input'],
                output_names=['output'], opset_version=opset,
                dynamic_axes=None if dynamo else {
                    'input': {0: 'batch'}, 'output': {0: 'batch'}},
                dynamo=dynamo)
        os.replace(tmp, out)
    finally:
        if osp.exists(tmp):
            os.unlink(tmp)
    return example


def compare(model: torch.nn.Module, onnx_file: str,
            inputs: torch.Tensor) -> float:
    """Largest |ONNX Runtime - PyTorch| of the output on ``inputs``."""
    import onnxruntime as ort
    session = ort.InferenceSession(onnx_file,
                                   providers=['CPUExecutionProvider'])
    with torch.no_grad():
        expected = TensorForward(model)(inputs).numpy()
    (got, ) = session.run(None, {'input': inputs.numpy()})
    if got.shape != expected.shape:
        raise ValueError(f'ONNX output shape {got.shape} differs from '
                         f'PyTorch {expected.shape}')
    return float(np.abs(got - expected).max())


def main(argv: Optional[List[str]] = None) -> float:
    args = parse_args(argv)
    model = build_model(args.config, args.checkpoint, args.cfg_options,
                        args.allow_supernet)
    h, w = args.input_shape
    export(model, args.out, h, w, args.opset, args.dynamo)
    print(f'ONNX model written to {args.out}')
    # a fresh batch of 2 (checks the dynamic batch axis as well), seeded so
    # that the printed difference reproduces
    generator = torch.Generator().manual_seed(args.seed)
    inputs = torch.randn(1 if args.dynamo else 2, 3, h, w,
                         generator=generator)
    diff = compare(model, args.out, inputs)
    print(f'max abs diff ONNX Runtime vs PyTorch: {diff:.3e} '
          f'(batch {inputs.shape[0]}, input {h}x{w})')
    if not diff <= args.atol:
        raise SystemExit(f'ONNX output differs from PyTorch by {diff:.3e} > '
                         f'--atol {args.atol}')
    return diff


if __name__ == '__main__':
    main()
