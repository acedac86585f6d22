"""tools/deployment/export_onnx.py: ONNX export matches PyTorch."""
import numpy as np
import onnxruntime as ort
import pytest
import torch

from tools_test_utils import DARTS_SEARCH, build, derived, load_tool

export = load_tool('tools/deployment/export_onnx.py')


def test_round_trip_fixed_network(tmp_path, capsys):
    _, _, _, config, ckpt = derived('darts')
    out = tmp_path / 'fixed.onnx'
    diff = export.main([config, ckpt, '--out', str(out), '--input-shape',
                        '64', '48'])
    assert diff < 1e-4
    assert 'max abs diff' in capsys.readouterr().out
    # independent check: ONNX Runtime output == PyTorch heatmaps
    model = export.build_model(config, ckpt)
    x = torch.randn(3, 3, 64, 48)
    with torch.no_grad():
        expected = model._forward(x).numpy()
    session = ort.InferenceSession(str(out),
                                   providers=['CPUExecutionProvider'])
    (got, ) = session.run(None, {'input': x.numpy()})
    assert got.shape == expected.shape == (3, 17, 16, 12)
    np.testing.assert_allclose(got, expected, atol=1e-4)
    # the trained weights are in the file: other weights give other outputs
    other = build(config).eval()
    with torch.no_grad():
        assert np.abs(other._forward(x).numpy() - got).max() > 1e-3


def test_refuses_supernet(tmp_path):
    with pytest.raises(ValueError, match='supernet'):
        export.main([DARTS_SEARCH, '--out', str(tmp_path / 's.onnx')])
