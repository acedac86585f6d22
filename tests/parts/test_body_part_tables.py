"""PoseNFS body-part tables, by joint name in MMPose's keypoint order."""
import pytest

from mmposenas.parts import (PART_TABLES, dataset_keypoint_names,
                             resolve_body_parts, validate_groups)


@pytest.mark.parametrize('dataset', ['coco', 'mpii'])
@pytest.mark.parametrize('num_parts', [1, 3, 5, 8])
def test_every_keypoint_is_covered(dataset, num_parts):
    parts = resolve_body_parts(f'{dataset}_p{num_parts}')
    k = len(dataset_keypoint_names(dataset))
    assert parts.num_parts == num_parts and parts.num_keypoints == k
    cover = parts.coverage()
    assert min(cover) >= 1
    # P = 8 shares joints between parts, the others are partitions
    assert (max(cover) > 1) == (num_parts == 8)


def test_tables_map_names_to_mmpose_order():
    mpii = dataset_keypoint_names('mpii')
    assert mpii[:3] == ['right_ankle', 'right_knee', 'right_hip']
    p3 = resolve_body_parts('mpii_p3')
    # head_top, upper_neck, thorax are 9, 8, 7 in MMPose's MPII order
    assert p3.names == ['head', 'upper_limb', 'lower_limb']
    assert p3.groups[0] == [9, 8, 7]
    assert sorted(p3.groups[2]) == [0, 1, 2, 3, 4, 5, 6]
    p5 = resolve_body_parts('mpii_p5')
    assert p5.groups[3] == [3, 2, 6]  # thigh: left_hip, right_hip, pelvis
    coco8 = resolve_body_parts('coco_p8')
    # the left elbow (7) is in the left upper and left lower arm
    assert [n for n, g in zip(coco8.names, coco8.groups) if 7 in g] == [
        'left_upper_arm', 'left_lower_arm']
    assert coco8.coverage()[7] == 2 and coco8.coverage()[0] == 1
    assert coco8.groups[5] == [11, 12, 13, 14]  # thigh incl. knees (Table I)


def test_custom_parts_by_name_and_clear_errors():
    parts = resolve_body_parts([['a', ['nose', 'left_eye']],
                                ['b', list(range(1, 17))]], dataset='coco')
    assert parts.groups[0] == [0, 1] and parts.coverage()[1] == 2
    with pytest.raises(ValueError, match="unknown joint 'left_toe'"):
        resolve_body_parts([['a', ['left_toe']]], dataset='coco')
    with pytest.raises(ValueError, match=r'joints \[16\] are in no group'):
        resolve_body_parts([['a', list(range(16))]], dataset='coco')
    with pytest.raises(ValueError, match="unknown part table 'coco_p4'"):
        resolve_body_parts('coco_p4')
    assert set(PART_TABLES) == {'coco', 'mpii'}


def test_validate_groups_overlap_option():
    with pytest.raises(ValueError, match='more than one group'):
        validate_groups([[0, 1], [1, 2]], 3)
    assert validate_groups([[0, 1], [1, 2]], 3, allow_overlap=True) == [
        [0, 1], [1, 2]]
    with pytest.raises(ValueError, match=r'group 0 lists joints \[1\] twice'):
        validate_groups([[0, 1, 1], [2]], 3, allow_overlap=True)
