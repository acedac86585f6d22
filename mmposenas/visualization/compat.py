"""Compatibility of MMPose 1.3.2's 3D visualiser with matplotlib >= 3.10.

``mmpose.visualization.Pose3dLocalVisualizer`` reads the rendered 3D plot
with ``FigureCanvasAgg.tostring_rgb``, which matplotlib 3.10 removed (use
``buffer_rgba``). :func:`patch_agg_tostring_rgb` restores the method (RGB
bytes, row-major, the layout it had) when it is missing; with an older
matplotlib it does nothing.
"""
import numpy as np


def _tostring_rgb(self) -> bytes:
    """RGB bytes of the rendered canvas, (H, W, 3) row-major."""
    return np.asarray(self.buffer_rgba())[..., :3].tobytes()


def patch_agg_tostring_rgb() -> bool:
    """Add ``FigureCanvasAgg.tostring_rgb`` if missing; True if added."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    if hasattr(FigureCanvasAgg, 'tostring_rgb'):
        return False
    FigureCanvasAgg.tostring_rgb = _tostring_rgb
    return True
