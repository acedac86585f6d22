"""heads of mmposenas (registered into mmpose.registry.MODELS on import)."""
from .volumetric_integral_head import VolumetricIntegralHead  # noqa: F401
