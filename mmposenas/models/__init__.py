"""Models of mmposenas: the shared search core and the networks built on it."""
from . import backbones, heads, necks, search  # noqa: F401
from . import pose_estimators  # noqa: F401
