"""mmposenas: neural architecture search for human pose estimation on MMPose 1.3.

Importing the package registers every module into MMPose's own registries
(``mmpose.registry.MODELS``, ``KEYPOINT_CODECS``, ``HOOKS``, ``DATASETS``,
``TRANSFORMS``, ``METRICS``, ``OPTIM_WRAPPER_CONSTRUCTORS``), so
``custom_imports = dict(imports=['mmposenas'])`` in any MMPose config makes them
buildable by name.
"""
from .utils.checkpoint import register_checkpoint_safe_globals

register_checkpoint_safe_globals()

from . import codecs, datasets, engine, evaluation, models  # noqa: E402,F401

__version__ = '0.1.0'
