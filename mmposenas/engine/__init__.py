"""Search as MMEngine components: hooks, optimizer constructors, α gradients."""
from . import hooks, optim_wrappers  # noqa: F401
from .arch_gradients import first_order_arch_grads, second_order_arch_grads

__all__ = ['first_order_arch_grads', 'second_order_arch_grads']
