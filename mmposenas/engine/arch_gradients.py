"""Gradients of the validation loss with respect to α (DARTS, first/second order).

Both functions evaluate the network through ``loss_fn(overrides, data)``, where
``overrides`` maps parameter/buffer names to tensors that replace the live ones
for that call (``torch.func.functional_call``). The live weights and buffers of
the network are never written: the virtual step w' and the perturbed weights
w± exist only as separate tensors, and every forward pass runs on fresh copies
of the buffers (so BatchNorm statistics are untouched as well).

Gradients are taken with ``torch.autograd.grad``, so ``.grad`` of the network
weights is never read or written: weight and α gradients cannot mix. Every
gradient goes through ``reduce_fn`` (a mean over processes in distributed
runs, identity otherwise), so one code path serves single- and multi-process
training.
"""
from typing import Any, Callable, Dict, List, Optional, Sequence

import torch
import torch.nn as nn
from torch import Tensor

from mmposenas.models.search import arch_parameters, weight_parameters

LossFn = Callable[[Dict[str, Tensor], Any], Tensor]
ReduceFn = Callable[[Tensor], Tensor]


def _identity(t: Tensor) -> Tensor:
    return t


def buffer_copies(model: nn.Module) -> Dict[str, Tensor]:
    """Fresh copies of every buffer of ``model`` (BatchNorm statistics, ...)."""
    return {name: buf.clone() for name, buf in model.named_buffers()}


def _grads(loss: Tensor, inputs: Sequence[Tensor],
           reduce_fn: ReduceFn, unused_as_none: bool = False
           ) -> List[Optional[Tensor]]:
    """d loss / d inputs, reduced across processes.

    Inputs the loss does not reach get zeros, or ``None`` with
    ``unused_as_none`` (every process must then leave out the same inputs,
    e.g. run the same branches of a multi-branch supernet).
    """
    grads = torch.autograd.grad(loss, list(inputs), allow_unused=True)
    if unused_as_none:
        return [None if g is None else reduce_fn(g) for g in grads]
    return [
        reduce_fn(torch.zeros_like(x) if g is None else g)
        for x, g in zip(inputs, grads)
    ]


def first_order_arch_grads(model: nn.Module, loss_fn: LossFn, val_data: Any,
                           reduce_fn: Optional[ReduceFn] = None,
                           unused_as_none: bool = False
                           ) -> List[Optional[Tensor]]:
    """∇α L_val(w, α) at the current weights (DARTS first order).

    Args:
        unused_as_none (bool): ``None`` instead of zeros for α tensors the
            loss does not reach (e.g. every cell of that type is on an
            inactive branch), so that no optimizer step moves them.

    Returns:
        list[Tensor | None]: One gradient per tensor of
        :func:`arch_parameters`.
    """
    reduce_fn = reduce_fn or _identity
    alphas = arch_parameters(model)
    loss = loss_fn(buffer_copies(model), val_data)
    return _grads(loss, alphas, reduce_fn, unused_as_none)


def second_order_arch_grads(model: nn.Module, loss_fn: LossFn,
                            train_data: Any, val_data: Any, xi: float,
                            r: float = 0.01,
                            reduce_fn: Optional[ReduceFn] = None
                            ) -> List[Tensor]:
    """Unrolled α gradient of DARTS (Liu et al. 2019, Eq. 7 and 8).

    .. math::
        ∇_α L_val(w', α) − ξ \\frac{∇_α L_train(w^+, α) − ∇_α L_train(w^-, α)}
        {2ε}

    with the virtual step w' = w − ξ ∇_w L_train(w, α), w± = w ± ε ∇_{w'}
    L_val(w', α) and ε = r / ‖∇_{w'} L_val(w', α)‖.

    Args:
        model (nn.Module): The network holding w and α.
        loss_fn (callable): ``loss_fn(overrides, data) -> scalar loss``.
        train_data: A batch of the weight (training) split.
        val_data: A batch of the architecture (validation) split.
        xi (float): Learning rate ξ of the virtual weight step.
        r (float): Finite-difference scale (DARTS: 0.01).
        reduce_fn (callable, optional): Applied to every gradient.

    Returns:
        list[Tensor]: One gradient per tensor of :func:`arch_parameters`.
    """
    reduce_fn = reduce_fn or _identity
    alphas = arch_parameters(model)
    names, weights = zip(*weight_parameters(model))

    def loss_at(ws: Sequence[Tensor], data: Any) -> Tensor:
        return loss_fn({**dict(zip(names, ws)), **buffer_copies(model)}, data)

    # Virtual step w' = w − ξ ∇w L_train(w, α).
    g_train = _grads(loss_at(weights, train_data), weights, reduce_fn)
    w_virtual = [(w - xi * g).detach().requires_grad_(True)
                 for w, g in zip(weights, g_train)]

    # ∇α L_val(w', α) and ∇w' L_val(w', α).
    grads = _grads(loss_at(w_virtual, val_data), list(alphas) + w_virtual,
                   reduce_fn)
    d_alpha, d_w = grads[:len(alphas)], grads[len(alphas):]

    # Finite-difference Hessian-vector product ∇²_{α,w} L_train · ∇w' L_val.
    norm = torch.sqrt(sum((d.detach()**2).sum() for d in d_w))
    if norm.item() == 0.0:
        return [d.detach() for d in d_alpha]
    eps = r / norm
    with torch.no_grad():
        w_plus = [w + eps * d for w, d in zip(weights, d_w)]
        w_minus = [w - eps * d for w, d in zip(weights, d_w)]
    g_plus = _grads(loss_at(w_plus, train_data), alphas, reduce_fn)
    g_minus = _grads(loss_at(w_minus, train_data), alphas, reduce_fn)
    return [(da - xi * (gp - gm) / (2 * eps)).detach()
            for da, gp, gm in zip(d_alpha, g_plus, g_minus)]
