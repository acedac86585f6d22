"""3D soft-argmax: the expectation of voxel coordinates under a softmax volume.

Coordinate convention (shared with
:class:`mmposenas.codecs.VolumetricIntegralLabel`):

    A volume axis of ``N`` voxels spans the normalised interval ``[0, 1]``;
    voxel ``i`` covers ``[i / N, (i + 1) / N]`` and its centre is
    ``(i + 0.5) / N``.  The soft-argmax is the expectation of the voxel
    *centres*, so its range is ``[0.5 / N, 1 - 0.5 / N]`` and it is exactly
    symmetric under a flip of the axis (``x -> 1 - x``).

    The original integral-regression code uses ``i / N`` (a ``W`` instead of
    ``W - 1`` normalisation of the index ``i``): its range ``[0, 1 - 1 / N]``
    is not symmetric, so a horizontal flip is off by one voxel and flip-test
    averaging blurs every prediction by half a voxel.  The centre convention
    above has no such offset, does not depend on the volume resolution, and
    is plain tensor arithmetic, so it runs on any device.
"""
from typing import Tuple, Union

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def voxel_centres(num: int, device: torch.device = None,
                  dtype: torch.dtype = torch.float32) -> Tensor:
    """Normalised centres of ``num`` voxels along one axis.

    Args:
        num (int): Number of voxels along the axis.
        device (torch.device, optional): Device of the result.
        dtype (torch.dtype): Floating dtype of the result.

    Returns:
        Tensor: ``(num,)`` values ``(i + 0.5) / num`` for ``i = 0 .. num-1``.
    """
    return (torch.arange(num, device=device, dtype=dtype) + 0.5) / num


def softmax_volume(volumes: Tensor, beta: float = 1.0) -> Tensor:
    """Softmax over each whole volume.

    Args:
        volumes (Tensor): Logits ``(B, K, D, H, W)``.
        beta (float): Inverse temperature multiplied with the logits.

    Returns:
        Tensor: Probabilities ``(B, K, D, H, W)`` that sum to 1 over each
        ``(D, H, W)`` volume.
    """
    if volumes.dim() != 5:
        raise ValueError('softmax_volume expects logits of shape '
                         f'(B, K, D, H, W), got {tuple(volumes.shape)}')
    b, k = volumes.shape[:2]
    flat = F.softmax(volumes.reshape(b, k, -1) * beta, dim=-1)
    return flat.reshape(volumes.shape)


def soft_argmax_3d(volumes: Tensor,
                   beta: float = 1.0,
                   return_probs: bool = False
                   ) -> Union[Tensor, Tuple[Tensor, Tensor]]:
    """Soft-argmax over 3D volumes (integral regression).

    Softmax is taken over each whole ``(D, H, W)`` volume, then the
    expectation of the normalised voxel-centre coordinates is computed from
    the three marginals.

    Args:
        volumes (Tensor): Logits ``(B, K, D, H, W)``; ``W`` is the image x
            axis, ``H`` the image y axis and ``D`` the depth axis.
        beta (float): Inverse temperature applied before the softmax.
        return_probs (bool): Also return the softmax volume.

    Returns:
        Tensor: Normalised coordinates ``(B, K, 3)`` ordered ``(x, y, z)``,
        each in ``[0.5 / N, 1 - 0.5 / N]`` for an axis of ``N`` voxels.
        With ``return_probs`` a tuple ``(coords, probs)`` where ``probs`` is
        ``(B, K, D, H, W)``.
    """
    probs = softmax_volume(volumes, beta)
    _, _, d, h, w = probs.shape
    kwargs = dict(device=probs.device, dtype=probs.dtype)
    marginal_x = probs.sum(dim=(2, 3))  # (B, K, W)
    marginal_y = probs.sum(dim=(2, 4))  # (B, K, H)
    marginal_z = probs.sum(dim=(3, 4))  # (B, K, D)
    x = (marginal_x * voxel_centres(w, **kwargs)).sum(dim=-1)
    y = (marginal_y * voxel_centres(h, **kwargs)).sum(dim=-1)
    z = (marginal_z * voxel_centres(d, **kwargs)).sum(dim=-1)
    coords = torch.stack([x, y, z], dim=-1)
    if return_probs:
        return coords, probs
    return coords


class SoftArgmax3d(nn.Module):
    """Module form of :func:`soft_argmax_3d`.

    Args:
        beta (float): Inverse temperature applied before the softmax.
    """

    def __init__(self, beta: float = 1.0) -> None:
        super().__init__()
        self.beta = beta

    def forward(self, volumes: Tensor) -> Tensor:
        """Return normalised ``(B, K, 3)`` coordinates of ``volumes``
        ``(B, K, D, H, W)``."""
        return soft_argmax_3d(volumes, beta=self.beta)

    def extra_repr(self) -> str:
        return f'beta={self.beta}'
