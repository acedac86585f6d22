"""Optimizer wrapper constructors (mmpose.registry.OPTIM_WRAPPER_CONSTRUCTORS)."""
from .nas_optim_wrapper_constructor import NASOptimWrapperConstructor

__all__ = ['NASOptimWrapperConstructor']
