"""Backbones of mmposenas (registered into mmpose.registry.MODELS)."""
from .darts_cell_backbone import DartsCellBackbone  # noqa: F401
