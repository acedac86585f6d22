"""Pose estimators of mmposenas (registered into mmpose.registry.MODELS)."""
from .heatmap_lifting import HeatmapLiftingEstimator  # noqa: F401
