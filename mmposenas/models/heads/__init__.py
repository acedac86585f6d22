"""heads of mmposenas (registered into mmpose.registry.MODELS on import)."""
from .volumetric_integral_head import VolumetricIntegralHead  # noqa: F401
from .vector_in_pixel_head import VectorInPixelHead  # noqa: F401,E402
