"""Data transforms of mmposenas (registered into MMPose's TRANSFORMS)."""
from .root_relative_depth import AppendRootRelativeDepth  # noqa: F401
from .synthetic_occlusion import RandomSyntheticOcclusion  # noqa: F401
from .color_scale import RandomChannelColorScale  # noqa: F401
