"""The second-order α gradient against an exact double-precision reference."""
import torch
import torch.nn as nn
from torch.func import functional_call

from mmposenas.engine import first_order_arch_grads, second_order_arch_grads
from mmposenas.models.search import (ArchitectureParameters, arch_parameters,
                                     weight_parameters)


class TinySearchNet(nn.Module):
    """One mixed edge of three nonlinear candidates, BatchNorm, a head."""

    def __init__(self):
        super().__init__()
        self.arch_params = ArchitectureParameters({'edge': (2, 3)},
                                                  init_std=0.5)
        self.stem = nn.Linear(4, 6)
        self.cand = nn.ModuleList([nn.Linear(6, 6) for _ in range(3)])
        self.bn = nn.BatchNorm1d(6)
        self.head = nn.Linear(6, 2)

    def forward(self, x):
        w = self.arch_params.weights('edge')
        h = torch.tanh(self.stem(x))
        for row in w:
            h = (row[0] * torch.tanh(self.cand[0](h)) + row[1] * h +
                 row[2] * torch.sin(self.cand[2](h)) * self.cand[1](h))
        return self.head(self.bn(h))


def make_problem():
    torch.manual_seed(0)
    model = TinySearchNet().double().train()
    data = lambda n: (torch.randn(n, 4, dtype=torch.double),  # noqa: E731
                      torch.randn(n, 2, dtype=torch.double))
    return model, data(8), data(8)


def loss_fn_for(model):

    def loss_fn(overrides, data):
        x, y = data
        return (functional_call(model, overrides, (x, )) - y).pow(2).mean()

    return loss_fn


def exact_unrolled_grad(model, train, val, xi):
    """d/dα L_val(w − ξ ∇w L_train(w, α), α), exact second derivatives."""
    names, weights = zip(*weight_parameters(model))
    alphas = arch_parameters(model)
    alpha_names = ['arch_params.alphas.edge']
    bufs = {n: b.clone() for n, b in model.named_buffers()}

    def loss(ws, alps, data):
        over = {**dict(zip(names, ws)), **dict(zip(alpha_names, alps)),
                **bufs}
        x, y = data
        return (functional_call(model, over, (x, )) - y).pow(2).mean()

    alps = [a.detach().clone().requires_grad_(True) for a in alphas]
    ws = [w.detach().clone().requires_grad_(True) for w in weights]
    g = torch.autograd.grad(loss(ws, alps, train), ws, create_graph=True)
    w_virtual = [w - xi * gi for w, gi in zip(ws, g)]
    return torch.autograd.grad(loss(w_virtual, alps, val), alps)


def test_second_order_matches_exact_reference_and_leaves_model_unchanged():
    model, train, val = make_problem()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    xi = 0.5
    ours = second_order_arch_grads(model, loss_fn_for(model), train, val,
                                   xi=xi, r=1e-4)
    exact = exact_unrolled_grad(model, train, val, xi)
    first = first_order_arch_grads(model, loss_fn_for(model), val)
    for o, e, f in zip(ours, exact, first):
        # the Hessian term matters on this problem ...
        assert (e - f).norm() > 1e-2 * e.norm()
        # ... and the finite-difference estimate reproduces it
        torch.testing.assert_close(o, e, rtol=1e-6, atol=1e-9)
    after = model.state_dict()
    for k, v in before.items():  # weights, α and BN buffers: bit-for-bit
        assert torch.equal(v, after[k]), k
    for p in model.parameters():
        assert p.grad is None  # no .grad written


def test_default_radius_is_close_to_exact():
    model, train, val = make_problem()
    ours = second_order_arch_grads(model, loss_fn_for(model), train, val,
                                   xi=0.5)
    exact = exact_unrolled_grad(model, train, val, 0.5)
    for o, e in zip(ours, exact):
        assert (o - e).norm() < 1e-3 * e.norm()


def test_first_order_is_the_plain_validation_gradient():
    model, _, val = make_problem()
    (g, ) = first_order_arch_grads(model, loss_fn_for(model), val)
    x, y = val
    model_copy = TinySearchNet().double().train()
    model_copy.load_state_dict(model.state_dict())
    (model_copy(x) - y).pow(2).mean().backward()
    torch.testing.assert_close(g, model_copy.arch_params.alphas['edge'].grad)
    assert model.stem.weight.grad is None


def test_reduce_fn_is_applied_to_every_gradient():
    model, train, val = make_problem()
    calls = []
    second_order_arch_grads(model, loss_fn_for(model), train, val, xi=0.1,
                            reduce_fn=lambda t: calls.append(t.shape) or t)
    n_w = len(list(weight_parameters(model)))
    # ∇w L_train, (∇α, ∇w') L_val, ∇α L_train at w+ and w−
    assert len(calls) == n_w + (1 + n_w) + 1 + 1


def test_second_order_is_first_order_when_the_val_loss_ignores_weights():
    """‖∇w' L_val‖ = 0: no finite difference (ε would be r / 0)."""
    model, train, val = make_problem()
    base = loss_fn_for(model)

    def loss_fn(overrides, data):
        if data is not val:
            return base(overrides, data)
        out = functional_call(model, overrides, (data[0], ))
        alpha_only = model.arch_params.weights('edge').pow(2).sum()
        return alpha_only + 0.0 * out.sum()  # weights in the graph, grad 0

    ours = second_order_arch_grads(model, loss_fn, train, val, xi=0.5)
    first = first_order_arch_grads(model, loss_fn, val)
    assert all(torch.isfinite(o).all() for o in ours)
    for o, f in zip(ours, first):
        assert f.abs().sum() > 0
        torch.testing.assert_close(o, f, rtol=0, atol=0)
