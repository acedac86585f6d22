"""evaluation of mmposenas (registered into mmpose.registry on import)."""
from .root_relative_mpjpe import (RootRelativeMPJPE,  # noqa: F401
                                  image_to_camera)
