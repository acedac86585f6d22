"""necks of mmposenas (registered into mmpose.registry.MODELS on import)."""
from .pyramid_adapter import PyramidAdapter  # noqa: F401,E402
from .pyramid_pooling import PyramidPoolingNeck  # noqa: F401
