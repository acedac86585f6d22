"""PartAwareNASBackbone output channels for non-contiguous, permuted groups.

The fusion cells emit group-major channels (group 0's joints, in the group's
own order, then group 1's, ...); the backbone must put them back into joint
order (channel ``k * D + d`` for joint ``k``). With contiguous in-order groups
that permutation is the identity, so these tests use interleaved groups in
a shuffled order.
"""
import pytest
import torch
from mmpose.registry import MODELS

import mmposenas  # noqa: F401

D = 3
TINY = dict(type='PartAwareNASBackbone', num_keypoints=18, depth_bins=D,
            num_cells=5, num_reductions=2, num_fusions=1, stem_channels=8,
            channels=4, num_nodes=2, fusion_channels=8, joint_channels=2)
INTERLEAVED = [[17, 3, 9, 0, 12], [5, 1, 14, 7], [2, 16, 10, 6, 13, 4],
               [11, 8, 15]]


def group_major_position(groups):
    """Joint -> its index in the concatenation of the groups."""
    order = [j for g in groups for j in g]
    return {j: i for i, j in enumerate(order)}


@pytest.mark.parametrize('genotype', [False, True])
def test_joint_order_output_for_interleaved_groups(genotype, tmp_path):
    torch.manual_seed(0)
    cfg = dict(TINY, groups=INTERLEAVED)
    if genotype:  # the fixed network derived from the supernet
        path = str(tmp_path / 'g.json')
        MODELS.build(cfg).derive_genotype().save(path)
        cfg = dict(TINY, groups=None, genotype=path)
    net = MODELS.build(cfg).eval()
    assert net.groups == INTERLEAVED
    captured = {}
    net.cells[-1].register_forward_hook(
        lambda m, i, o: captured.__setitem__('group_major', o))
    with torch.no_grad():
        (out, ) = net(torch.randn(2, 3, 32, 32))
    group_major = captured['group_major']
    assert out.shape == group_major.shape == (2, 18 * D, 16, 16)
    pos = group_major_position(INTERLEAVED)
    for k in range(18):
        torch.testing.assert_close(
            out[:, k * D:(k + 1) * D],
            group_major[:, pos[k] * D:(pos[k] + 1) * D], rtol=0, atol=0)
    # and the channels are really different per joint (no degenerate pass)
    assert not torch.equal(out, group_major)


def test_each_joint_volume_comes_from_its_own_group_node():
    """Zero the state of one fusion node: exactly the volumes of that
    group's joints become zero."""
    torch.manual_seed(0)
    net = MODELS.build(dict(TINY, groups=INTERLEAVED)).eval()
    cell = net.cells[-1]
    original = cell.node_outputs

    def zero_group_2(*args, **kwargs):
        states = original(*args, **kwargs)
        states[cell.num_inputs + 2] = torch.zeros_like(
            states[cell.num_inputs + 2])
        return states

    cell.node_outputs = zero_group_2
    with torch.no_grad():
        (out, ) = net(torch.randn(1, 3, 32, 32))
    for k in range(18):
        vol = out[0, k * D:(k + 1) * D]
        if k in INTERLEAVED[2]:
            assert not vol.any(), k
        else:
            assert vol.abs().amax() > 0, k
