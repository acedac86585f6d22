import pytest
import torch
from mmpose.registry import MODELS

import mmposenas  # noqa: F401
from mmposenas.models.backbones import cell_layout, reduction_positions


@pytest.mark.parametrize('n_c,n_r,n_f,expected', [
    (10, 5, 3, [2, 3, 4, 5, 6]),
    (15, 5, 3, [3, 5, 7, 9, 11]),
    (20, 5, 3, [3, 5, 7, 9, 11]),
    (20, 5, 1, [4, 7, 10, 13, 16]),
    (10, 2, 4, [3, 5]),
    (10, 5, 4, [2, 3, 4, 5, 6]),
    (5, 2, 1, [2, 3]),
])
def test_eq8_reduction_positions(n_c, n_r, n_f, expected):
    assert reduction_positions(n_c, n_r, n_f) == expected
    layout = cell_layout(n_c, n_r, n_f)
    assert len(layout) == n_c and layout.count('fusion') == n_f
    assert [i + 1 for i, t in enumerate(layout) if t == 'reduce'] == expected


def test_paper_default_layout():
    assert cell_layout(10, 5, 3) == ['normal'] + ['reduce'] * 5 + [
        'normal'
    ] + ['fusion'] * 3


@pytest.mark.parametrize('n_c,n_r,n_f', [(10, 5, 5), (4, 5, 0), (6, 6, 1)])
def test_eq8_rejects_layouts_that_do_not_fit(n_c, n_r, n_f):
    with pytest.raises(ValueError):
        reduction_positions(n_c, n_r, n_f)


UNEVEN = [[0, 1, 2, 3, 4, 5, 6], [7, 8], [9, 10, 11, 12, 13, 14, 15, 16, 17]]
TINY = dict(type='PartAwareNASBackbone', num_keypoints=18, depth_bins=4,
            groups=UNEVEN, num_cells=5, num_reductions=2, num_fusions=2,
            stem_channels=8, channels=4, num_nodes=2, fusion_channels=8,
            joint_channels=2)


def test_supernet_output_shape_with_uneven_groups():
    net = MODELS.build(TINY)
    (out, ) = net(torch.randn(2, 3, 32, 32))
    # 2 reductions: /4, 2 fusion cells: x4 -> 32x32
    assert out.shape == (2, 18 * 4, 32, 32)
    fusion = [c for c in net.cells if c.cell_type == 'fusion']
    assert [p.out_channels for p in fusion[0].node_projections] == [14, 4, 18]
    assert [p.out_channels for p in fusion[1].node_projections] == [28, 8, 36]
    assert set(net.arch_params.keys()) == {'normal', 'reduce', 'fusion'}
    assert net.arch_params.alphas['fusion'].shape == (2 + 3 + 4, 8)


def test_output_channels_follow_joint_order():
    net = MODELS.build(TINY).eval()
    x = torch.randn(1, 3, 32, 32)
    weights = {k: net.arch_params.weights(k) for k in net.arch_params.keys()}
    s0 = s1 = net.stem(x)
    for cell in net.cells:
        s0, s1 = s1, cell((s0, s1), weights.get(cell.cell_type))
    (out, ) = net(x)
    # joint 7 is the first joint of group 1: node-major channels 7*4 .. 7*4+3
    # hold group 0 (7 joints) first, so joint 7 starts at 7 * 4 = 28
    assert torch.equal(out[:, 7 * 4:8 * 4], s1[:, 28:32])
    # joint 9 is the first joint of group 2: after 7 + 2 joints
    assert torch.equal(out[:, 9 * 4:10 * 4], s1[:, 36:40])


def test_derive_then_fixed_network_keeps_groups(tmp_path):
    supernet = MODELS.build(TINY)
    genotype = supernet.derive_genotype()
    assert genotype.extras['part_groups'] == UNEVEN
    assert genotype['fusion'].num_nodes == 3
    path = str(tmp_path / 'genotype.json')
    genotype.save(path)
    fixed = MODELS.build(dict(TINY, genotype=path, groups=None))
    assert fixed.groups == UNEVEN and not fixed.is_searchable
    assert fixed(torch.randn(1, 3, 32, 32))[0].shape == (1, 72, 32, 32)
    with pytest.raises(ValueError, match='differ from the part groups'):
        MODELS.build(dict(TINY, genotype=path, groups=[list(range(9)),
                                                       list(range(9, 18))]))


def test_groups_must_partition_the_joints():
    with pytest.raises(ValueError):
        MODELS.build(dict(TINY, groups=[[0, 1], [1, 2]]))


def test_even_groups_by_number():
    net = MODELS.build(dict(TINY, groups=3))
    assert [len(g) for g in net.groups] == [6, 6, 6]


def test_intermediate_supervision_outputs_and_losses():
    from mmpose.structures import PoseDataSample
    from mmengine.structures import InstanceData
    net = MODELS.build(dict(TINY, intermediate_supervision=True))
    outs = net(torch.randn(2, 3, 32, 32))
    assert [o.shape[-1] for o in outs] == [16, 32]  # coarse to fine
    assert all(o.shape[1] == 72 for o in outs)
    head = MODELS.build(dict(type='VolumetricIntegralHead', in_channels=72,
                             num_keypoints=18, depth_bins=4,
                             intermediate_weights=[0.5]))
    samples = []
    for _ in range(2):
        s = PoseDataSample()
        s.gt_instance_labels = InstanceData(
            keypoint_labels=torch.rand(1, 18, 3),
            keypoint_weights=torch.ones(1, 18),
            keypoint_depth_weights=torch.ones(1, 18))
        samples.append(s)
    losses = head.loss(outs, samples)
    assert set(losses) == {'loss_kpt', 'loss_kpt_aux0', 'acc_pose'}
    sum(v for k, v in losses.items() if k.startswith('loss')).backward()
    assert net.intermediate_heads['3'].weight.grad.abs().sum() > 0
    with pytest.raises(ValueError, match='intermediate_weights has 1'):
        head.loss(outs[-1:], samples)
