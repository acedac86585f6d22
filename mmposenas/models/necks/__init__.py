"""necks of mmposenas (registered into mmpose.registry.MODELS on import)."""
from .pyramid_pooling import PyramidPoolingNeck  # noqa: F401
