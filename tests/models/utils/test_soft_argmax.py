"""3D soft-argmax: voxel-centre convention, sub-voxel accuracy, flips."""
import pytest
import torch

from mmposenas.models.utils import (SoftArgmax3d, soft_argmax_3d,
                                    softmax_volume, voxel_centres)


def _peak_volume(shape, peak, value=60.0):
    vol = torch.zeros((1, 1) + tuple(shape))
    vol[(0, 0) + tuple(peak)] = value
    return vol


@pytest.mark.parametrize('peak', [(0, 0, 0), (3, 5, 7), (7, 11, 15),
                                  (2, 0, 15)])
def test_sharp_peak_returns_its_voxel_centre(peak):
    d, h, w = 8, 12, 16
    coords = soft_argmax_3d(_peak_volume((d, h, w), peak))[0, 0]
    pd, ph, pw = peak
    expected = torch.tensor([(pw + 0.5) / w, (ph + 0.5) / h, (pd + 0.5) / d])
    assert torch.allclose(coords, expected, atol=1e-6)


def test_gaussian_blob_gives_sub_voxel_centre():
    d, h, w = 10, 16, 20
    centre = (4.6, 7.25, 9.7)  # (z, y, x) in voxel units, off the grid
    sigma = 0.8
    zz, yy, xx = torch.meshgrid(
        torch.arange(d, dtype=torch.float64),
        torch.arange(h, dtype=torch.float64),
        torch.arange(w, dtype=torch.float64),
        indexing='ij')
    logits = -((zz - centre[0])**2 + (yy - centre[1])**2 +
               (xx - centre[2])**2) / (2 * sigma**2)
    coords = soft_argmax_3d(logits[None, None])[0, 0]
    in_voxels = coords * torch.tensor([w, h, d], dtype=coords.dtype) - 0.5
    expected = torch.tensor([centre[2], centre[1], centre[0]],
                            dtype=torch.float64)
    assert torch.allclose(in_voxels, expected, atol=2e-3)
    # and not merely the nearest voxel
    assert (in_voxels - in_voxels.round()).abs().max() > 0.2


def test_flip_symmetry_has_no_off_by_one():
    torch.manual_seed(0)
    vol = torch.randn(2, 3, 4, 5, 6) * 3
    coords = soft_argmax_3d(vol)
    flipped = soft_argmax_3d(vol.flip(-1))
    assert torch.allclose(flipped[..., 0], 1 - coords[..., 0], atol=1e-6)
    assert torch.allclose(flipped[..., 1:], coords[..., 1:], atol=1e-6)


def test_softmax_over_whole_volume_and_module_form():
    torch.manual_seed(1)
    vol = torch.randn(2, 3, 4, 5, 6, dtype=torch.float64, requires_grad=True)
    probs = softmax_volume(vol)
    assert torch.allclose(
        probs.sum(dim=(2, 3, 4)), torch.ones(2, 3, dtype=torch.float64))
    out = SoftArgmax3d(beta=2.0)(vol)
    assert out.dtype == torch.float64 and out.shape == (2, 3, 3)
    assert torch.allclose(out, soft_argmax_3d(vol * 2.0))
    out.sum().backward()
    assert vol.grad is not None and torch.isfinite(vol.grad).all()
    assert torch.allclose(voxel_centres(4), torch.tensor([.125, .375, .625,
                                                          .875]))


def test_rejects_wrong_rank():
    with pytest.raises(ValueError, match=r'\(B, K, D, H, W\)'):
        soft_argmax_3d(torch.zeros(2, 3, 4, 5))


@pytest.mark.parametrize('device', [
    'cpu',
    pytest.param(
        'cuda',
        marks=pytest.mark.skipif(
            not torch.cuda.is_available(), reason='no CUDA device')),
])
def test_runs_on_the_volume_device(device):
    vol = _peak_volume((4, 6, 8), (1, 2, 3)).to(device)
    coords = soft_argmax_3d(vol)
    assert coords.device == vol.device
    torch.testing.assert_close(
        coords.cpu()[0, 0], torch.tensor([3.5 / 8, 2.5 / 6, 1.5 / 4]))
