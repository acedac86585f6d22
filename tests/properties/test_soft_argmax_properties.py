"""Soft-argmax invariances on random volumes."""
import torch
from hypothesis import given
from hypothesis import strategies as st

from mmposenas.models.utils import soft_argmax_3d

sizes = st.tuples(st.integers(2, 6), st.integers(2, 6), st.integers(2, 6))
seeds = st.integers(0, 2**16)


def random_volume(seed, d, h, w, b=2, k=3, scale=3.0):
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(b, k, d, h, w, generator=gen,
                       dtype=torch.float64) * scale


def centre(index, n):
    return (index + 0.5) / n


@given(size=sizes, data=st.data())
def test_peak_translation_shifts_the_coordinate(size, data):
    d, h, w = size
    z0, y0, x0 = (data.draw(st.integers(0, n - 1)) for n in size)
    z1, y1, x1 = (data.draw(st.integers(0, n - 1)) for n in size)
    vol = torch.full((1, 1, d, h, w), -40.0, dtype=torch.float64)
    moved = vol.clone()
    vol[0, 0, z0, y0, x0] = 40.0
    moved[0, 0, z1, y1, x1] = 40.0
    delta = soft_argmax_3d(moved) - soft_argmax_3d(vol)
    expected = torch.tensor([(x1 - x0) / w, (y1 - y0) / h, (z1 - z0) / d],
                            dtype=torch.float64)
    torch.testing.assert_close(delta[0, 0], expected, atol=1e-9, rtol=0)


@given(size=sizes, seed=seeds, shift=st.floats(-50, 50))
def test_adding_a_constant_changes_nothing(size, seed, shift):
    vol = random_volume(seed, *size)
    torch.testing.assert_close(soft_argmax_3d(vol + shift),
                               soft_argmax_3d(vol))


@given(size=sizes, seed=seeds)
def test_large_beta_converges_to_the_argmax_voxel_centre(size, seed):
    d, h, w = size
    vol = random_volume(seed, d, h, w, b=1, k=1)
    flat = vol.flatten()
    top2 = flat.topk(2).values
    gap = float(top2[0] - top2[1])
    idx = int(flat.argmax())
    z, y, x = idx // (h * w), idx // w % h, idx % w
    beta = 40.0 / max(gap, 1e-3)
    coords = soft_argmax_3d(vol, beta=beta)[0, 0]
    expected = torch.tensor([centre(x, w), centre(y, h), centre(z, d)],
                            dtype=torch.float64)
    torch.testing.assert_close(coords, expected, atol=1e-12 + d * h * w *
                               float(torch.exp(torch.tensor(-40.0))), rtol=0)
    # sharpening moves the estimate towards the argmax centre
    soft = soft_argmax_3d(vol, beta=0.2)[0, 0]
    assert (coords - expected).norm() <= (soft - expected).norm() + 1e-12


@given(size=sizes, seed=seeds, beta=st.floats(0.05, 10))
def test_beta_scales_the_logits_and_range(size, seed, beta):
    vol = random_volume(seed, *size)
    coords = soft_argmax_3d(vol, beta=beta)
    torch.testing.assert_close(coords, soft_argmax_3d(vol * beta))
    d, h, w = size
    lo = torch.tensor([0.5 / w, 0.5 / h, 0.5 / d], dtype=torch.float64)
    assert (coords >= lo - 1e-12).all() and (coords <= 1 - lo + 1e-12).all()


@given(size=sizes, seed=seeds, data=st.data())
def test_flips_and_joint_permutations(size, seed, data):
    vol = random_volume(seed, *size)
    coords = soft_argmax_3d(vol)
    for axis, dim in ((0, -1), (1, -2), (2, -3)):  # x: W, y: H, z: D
        flipped = soft_argmax_3d(vol.flip(dim))
        torch.testing.assert_close(flipped[..., axis], 1 - coords[..., axis])
        others = [a for a in range(3) if a != axis]
        torch.testing.assert_close(flipped[..., others], coords[..., others])
    perm = data.draw(st.permutations(list(range(vol.shape[1]))))
    torch.testing.assert_close(soft_argmax_3d(vol[:, perm]), coords[:, perm])
    # each volume is independent of the others in the batch
    torch.testing.assert_close(soft_argmax_3d(vol[1:]), coords[1:])
