"""necks of mmposenas (registered into mmpose.registry.MODELS on import)."""
from .pyramid_adapter import PyramidAdapter  # noqa: F401,E402
