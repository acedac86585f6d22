"""Synthetic articulated figures with exact 2D/3D labels (a proxy dataset).

Modules, one concept each:

* :mod:`.skeleton` — joint names/order (MMPose ``h36m`` and ``coco``), tree,
  nominal bone lengths.
* :mod:`.kinematics` — joint angles within anatomical limits, action priors,
  forward kinematics.
* :mod:`.body` — capsules / hulls / sphere dressing and colour palettes.
* :mod:`.camera` — pinhole cameras (MMPose ``cameras.pkl`` convention), rigs.
* :mod:`.backgrounds` — procedural and photo backgrounds.
* :mod:`.renderer` — depth-ordered OpenCV rendering and joint visibility.
* :mod:`.writer` — reproducible ``.npz`` / ``cameras.pkl`` / COCO JSON.
* :mod:`.generator` — a whole seeded dataset on disk.

Command line: ``tools/dataset_converters/make_synthetic_figures.py``.
"""
from .camera import PinholeCamera, sample_camera_rig
from .generator import (CAMERAS_PATH, DATASET_NAME, SyntheticFiguresConfig,
                        annotation_paths, ensure_synthetic_figures,
                        generate_synthetic_figures, read_meta)
from .kinematics import (ACTIONS, forward_kinematics, sample_bone_lengths,
                         sample_joint_angles, sample_posed_skeleton)
from .skeleton import (COCO_KEYPOINT_NAMES, H36M_JOINT_NAMES, H36M_PARENTS,
                       nominal_bone_lengths)

__all__ = [
    'ACTIONS', 'CAMERAS_PATH', 'COCO_KEYPOINT_NAMES', 'DATASET_NAME',
    'H36M_JOINT_NAMES', 'H36M_PARENTS', 'PinholeCamera',
    'SyntheticFiguresConfig', 'annotation_paths', 'ensure_synthetic_figures',
    'forward_kinematics', 'generate_synthetic_figures', 'nominal_bone_lengths',
    'read_meta', 'sample_bone_lengths', 'sample_camera_rig',
    'sample_joint_angles', 'sample_posed_skeleton'
]
