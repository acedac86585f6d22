"""Prior body-part tables of PoseNFS (P = 1, 3, 5, 8) for COCO and MPII.

The tables (PoseNFS, Table I) are written by joint NAME, in MMPose's joint
names, and turned into joint indices of the dataset's own order (MMPose's
dataset metainfo, e.g. MPII starts with ``right_ankle``), so the paper's
re-ordered MPII indices never leak into the project. P = 8 lets joints belong
to two parts (e.g. the elbow is in the upper- and the lower-arm part); every
other table is a partition. All tables cover every joint of their dataset.

A part specification (the ``parts`` argument of the PoseNFS modules) is one
of:

* ``'coco_p3'`` / ``'mpii_p8'`` ...: a table of this module;
* a list of ``[part_name, [joint, ...]]`` pairs, joints given by name or by
  index, with ``dataset`` naming the keypoint order (or ``num_keypoints`` when
  all joints are indices).
"""
import os.path as osp
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple, Union

from .grouping import validate_groups

_COCO_HEAD = ['nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear']
_MPII_HEAD = ['head_top', 'upper_neck', 'thorax']
_SHOULDERS = ['left_shoulder', 'right_shoulder']
_ARMS = _SHOULDERS + ['left_elbow', 'right_elbow', 'left_wrist', 'right_wrist']
_HIPS = ['left_hip', 'right_hip']
_KNEES_ANKLES = ['left_knee', 'right_knee', 'left_ankle', 'right_ankle']
_LEFT_UPPER_ARM = ['left_shoulder', 'left_elbow']
_LEFT_LOWER_ARM = ['left_elbow', 'left_wrist']
_RIGHT_UPPER_ARM = ['right_shoulder', 'right_elbow']
_RIGHT_LOWER_ARM = ['right_elbow', 'right_wrist']
_LEFT_LOWER_LEG = ['left_knee', 'left_ankle']
_RIGHT_LOWER_LEG = ['right_knee', 'right_ankle']

PartTable = List[Tuple[str, List[str]]]


def _tables(head: List[str], pelvis: List[str]) -> Dict[int, PartTable]:
    """Table I of PoseNFS for one dataset; ``pelvis`` is [] for COCO."""
    lower = _HIPS + _KNEES_ANKLES + pelvis
    return {
        1: [('whole_body', head + _ARMS + lower)],
        3: [('head', head), ('upper_limb', _ARMS), ('lower_limb', lower)],
        5: [('head_shoulder', head + _SHOULDERS),
            ('left_lower_arm', _LEFT_LOWER_ARM),
            ('right_lower_arm', _RIGHT_LOWER_ARM),
            ('thigh', _HIPS + pelvis),
            ('lower_limb', _KNEES_ANKLES)],
        8: [('head_shoulder', head + _SHOULDERS),
            ('left_upper_arm', _LEFT_UPPER_ARM),
            ('left_lower_arm', _LEFT_LOWER_ARM),
            ('right_upper_arm', _RIGHT_UPPER_ARM),
            ('right_lower_arm', _RIGHT_LOWER_ARM),
            ('thigh', _HIPS + ['left_knee', 'right_knee'] + pelvis),
            ('left_lower_leg', _LEFT_LOWER_LEG),
            ('right_lower_leg', _RIGHT_LOWER_LEG)],
    }


#: Part tables by dataset and number of parts, joints by MMPose name.
PART_TABLES: Dict[str, Dict[int, PartTable]] = {
    'coco': _tables(_COCO_HEAD, []),
    'mpii': _tables(_MPII_HEAD, ['pelvis']),
}


def dataset_keypoint_names(dataset: str) -> List[str]:
    """Joint names of ``dataset`` in MMPose's order (from its metainfo file).

    Args:
        dataset (str): An MMPose dataset metainfo name, e.g. ``'coco'``,
            ``'mpii'``.

    Returns:
        list[str]: ``K`` joint names, index ``k`` = MMPose keypoint ``k``.
    """
    import mmpose
    from mmpose.datasets.datasets.utils import parse_pose_metainfo
    path = osp.join(osp.dirname(mmpose.__file__), '.mim', 'configs', '_base_',
                    'datasets', f'{dataset}.py')
    if not osp.isfile(path):
        raise ValueError(f'unknown dataset {dataset!r}: MMPose has no '
                         f'metainfo file {path}')
    meta = parse_pose_metainfo(dict(from_file=path))
    id2name = meta['keypoint_id2name']
    return [id2name[k] for k in range(meta['num_keypoints'])]


@dataclass
class BodyParts:
    """Resolved part specification.

    Attributes:
        names (list[str]): Part names, one per part-specific subnetwork.
        groups (list[list[int]]): Joint indices (dataset order) per part.
        num_keypoints (int): ``K``, joints of the dataset.
    """
    names: List[str]
    groups: List[List[int]]
    num_keypoints: int

    @property
    def num_parts(self) -> int:
        return len(self.groups)

    def coverage(self) -> List[int]:
        """How many parts predict each joint: (K,) counts, all >= 1."""
        counts = [0] * self.num_keypoints
        for group in self.groups:
            for k in group:
                counts[k] += 1
        return counts

    def to_dict(self) -> dict:
        return dict(names=list(self.names),
                    groups=[list(g) for g in self.groups],
                    num_keypoints=self.num_keypoints)


def resolve_body_parts(parts: Union[str, Sequence, dict],
                       dataset: Optional[str] = None,
                       num_keypoints: Optional[int] = None) -> BodyParts:
    """Turn a part specification into part names and joint indices.

    Args:
        parts (str | list | dict): ``'<dataset>_p<P>'`` (a table of
            :data:`PART_TABLES`), a list of ``[name, [joints]]`` pairs, or a
            dict as written by :meth:`BodyParts.to_dict`.
        dataset (str, optional): Dataset whose joint names/order a list of
            pairs refers to.
        num_keypoints (int, optional): ``K`` when joints are indices and no
            dataset is named.

    Returns:
        BodyParts: Validated; overlapping parts are allowed, every joint
        must be covered.

    Raises:
        ValueError: Unknown table, dataset or joint name (naming it and the
            valid choices), a joint in no part, or a part listing a joint
            twice.
    """
    if isinstance(parts, BodyParts):
        return parts
    if isinstance(parts, dict):
        for key in ('names', 'groups', 'num_keypoints'):
            if key not in parts:
                raise ValueError(f'part specification dict misses key '
                                 f'{key!r}; expected names, groups, '
                                 f'num_keypoints')
        pairs = list(zip(parts['names'], parts['groups']))
        num_keypoints = int(parts['num_keypoints'])
    elif isinstance(parts, str):
        name, _, p = parts.rpartition('_p')
        if name not in PART_TABLES or not p.isdigit() or \
                int(p) not in PART_TABLES[name]:
            choices = [f'{d}_p{n}' for d, t in PART_TABLES.items() for n in t]
            raise ValueError(f'unknown part table {parts!r}; expected one of '
                             f'{choices} or a list of [name, [joints]] pairs')
        if dataset is not None and dataset != name:
            raise ValueError(f'part table {parts!r} is for {name!r} but the '
                             f'dataset is {dataset!r}')
        dataset = name
        pairs = PART_TABLES[name][int(p)]
    else:
        pairs = list(parts)
    names: List[str] = []
    raw_groups: List[List] = []
    for i, pair in enumerate(pairs):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2 or \
                not isinstance(pair[0], str):
            raise ValueError(f'part {i}: expected [name, [joints]], got '
                             f'{pair!r}')
        names.append(pair[0])
        raw_groups.append(list(pair[1]))
    if len(set(names)) != len(names):
        raise ValueError(f'part names must be unique, got {names}')
    joint_names = dataset_keypoint_names(dataset) if dataset else None
    if joint_names is not None:
        if num_keypoints is not None and num_keypoints != len(joint_names):
            raise ValueError(f'num_keypoints={num_keypoints} but dataset '
                             f'{dataset!r} has {len(joint_names)} joints')
        num_keypoints = len(joint_names)
    if num_keypoints is None:
        raise ValueError('give `dataset` or `num_keypoints` with a list of '
                         'parts')
    groups: List[List[int]] = []
    for name, members in zip(names, raw_groups):
        group = []
        for j in members:
            if isinstance(j, str):
                if joint_names is None or j not in joint_names:
                    raise ValueError(
                        f'part {name!r}: unknown joint {j!r}; dataset '
                        f'{dataset!r} has joints {joint_names}')
                group.append(joint_names.index(j))
            else:
                group.append(j)
        groups.append(group)
    try:
        groups = validate_groups(groups, num_keypoints, allow_overlap=True)
    except ValueError as err:
        raise ValueError(f'parts {names}: {err}') from err
    return BodyParts(names, groups, num_keypoints)
