"""codecs of mmposenas (registered into mmpose.registry on import)."""
from .volumetric_integral_label import VolumetricIntegralLabel  # noqa: F401
from .normalised_pose_lifting import NormalisedImagePoseLifting  # noqa: F401
