"""Second-order (unrolled DARTS) α/β gradients on a PoseNFS supernet.

The ``ArchOptimizerHook(mode='second_order')`` path runs
:func:`second_order_arch_grads` on the whole model; here it runs on a tiny
part-fabric network (fabric backbone inside, so every α/β key is
exercised). With ξ = 0 the unrolled gradient is the first-order one; with
ξ > 0 the Hessian term changes it; masked β entries get exactly zero; the
model (weights, α, β, BatchNorm buffers) is left bit-for-bit unchanged.
"""
import torch
from mmpose.registry import MODELS
from torch.func import functional_call

import mmposenas  # noqa: F401
from mmposenas.engine import first_order_arch_grads, second_order_arch_grads
from mmposenas.models.search import arch_parameters


def test_second_order_on_part_fabrics():
    torch.manual_seed(0)
    net = MODELS.build(dict(
        type='PartFabricBackbone',
        backbone=dict(type='FabricPyramidBackbone', num_layers=7,
                      kept_layers=3, channels=1, num_hidden=1,
                      stem_channels=4),
        adapter=dict(type='PyramidAdapter', in_channels=[4, 8, 16, 32]),
        parts='coco_p3', channels=1, num_hidden=1,
        arch_init_std=0.5)).double().train()
    g = torch.Generator().manual_seed(1)

    def batch():
        return (torch.randn(2, 3, 16, 16, generator=g, dtype=torch.double),
                torch.randn(2, 4, 4, 4, generator=g, dtype=torch.double))

    train, val = batch(), batch()

    def loss_fn(overrides, data):
        x, y = data
        outs = functional_call(net, overrides, (x, ))
        return sum((o - y).pow(2).mean() for o in outs)

    before = {k: v.clone() for k, v in net.state_dict().items()}
    first = first_order_arch_grads(net, loss_fn, val)
    zero_xi = second_order_arch_grads(net, loss_fn, train, val, xi=0.0)
    unrolled = second_order_arch_grads(net, loss_fn, train, val, xi=0.5,
                                       r=1e-4)
    keys = net.arch_params.keys()
    assert len(first) == len(arch_parameters(net)) == len(keys) == 8
    for key, f, z, u in zip(keys, first, zero_xi, unrolled):
        torch.testing.assert_close(z, f, rtol=1e-9, atol=1e-12)
        assert torch.isfinite(u).all()
        mask = net.arch_params.mask(key)
        if mask is not None:
            assert (u[~mask] == 0).all() and (f[~mask] == 0).all()
    diff = sum((u - f).norm() for u, f in zip(unrolled, first))
    assert diff > 1e-3 * sum(f.norm() for f in first)
    for k, v in net.state_dict().items():
        assert torch.equal(v, before[k]), k
