"""Small reusable model functions of mmposenas."""
from .soft_argmax import (SoftArgmax3d, soft_argmax_3d,  # noqa: F401
                          softmax_volume, voxel_centres)

__all__ = ['SoftArgmax3d', 'soft_argmax_3d', 'softmax_volume', 'voxel_centres']
