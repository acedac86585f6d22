"""Network-level search: an LSTM policy over binary branch-activation masks.

A multi-branch supernet (AutoPose) switches each of its ``B`` branches on or
off in each of its ``D`` decision groups (modules or stages). The policy
:class:`BranchController` emits the ``D × B`` bits one at a time
(autoregressively, as the ENAS/NAS-RL controllers do): the LSTM reads an
embedding of the previous bit, a linear head gives the Bernoulli logit of the
next one. It is trained with REINFORCE (:func:`reinforce_update`) on a reward
such as the validation AP of the supernet run with the sampled branches, with
a moving-average baseline (:class:`MovingAverageBaseline`) and an entropy
bonus.

The controller samples with its own ``torch.Generator``; the generator state
is part of :meth:`BranchController.state_dict` (``_extra_state``), so saving
and loading the state dict restores the sampling sequence exactly.
"""
import math
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpose.registry import MODELS
from torch import Tensor


@dataclass
class BranchSample:
    """One sampled branch mask.

    Attributes:
        mask (Tensor): (D, B) int64 in {0, 1}.
        log_prob (Tensor): Scalar log π(mask) (differentiable when evaluated
            with gradients).
        entropy (Tensor): Scalar sum of the per-bit Bernoulli entropies along
            the sampled path (nats).
    """
    mask: Tensor
    log_prob: Tensor
    entropy: Tensor


@MODELS.register_module()
class BranchController(nn.Module):
    """Autoregressive LSTM policy over a (D, B) binary branch mask.

    Args:
        num_decisions (int): D, the number of branch vectors (e.g. one per
            multi-scale module).
        num_branches (int): B, bits per vector.
        hidden_size (int): LSTM hidden and embedding size.
        init_range (float): Parameters are drawn from U(-r, r) (ENAS); the
            head bias starts at 0, so every bit starts near p = 0.5.
        seed (int, optional): Seed of the sampling generator; drawn from the
            global torch RNG when omitted.
    """

    def __init__(self, num_decisions: int, num_branches: int,
                 hidden_size: int = 64, init_range: float = 0.1,
                 seed: Optional[int] = None) -> None:
        super().__init__()
        if num_decisions < 1 or num_branches < 1:
            raise ValueError(f'BranchController needs num_decisions >= 1 and '
                             f'num_branches >= 1, got {num_decisions}, '
                             f'{num_branches}')
        self.num_decisions = num_decisions
        self.num_branches = num_branches
        self.hidden_size = hidden_size
        self.start = nn.Parameter(torch.zeros(1, hidden_size))
        self.lstm = nn.LSTMCell(hidden_size, hidden_size)
        # Input after bit (b, v): row 2 * b + v.
        self.embedding = nn.Embedding(2 * num_branches, hidden_size)
        self.head = nn.Linear(hidden_size, num_branches)
        for p in self.parameters():
            nn.init.uniform_(p, -init_range, init_range)
        nn.init.zeros_(self.head.bias)
        if seed is None:
            seed = int(torch.randint(0, 2**31 - 1, ()).item())
        self.generator = torch.Generator()
        self.generator.manual_seed(int(seed))

    @property
    def shape(self) -> Tuple[int, int]:
        """(D, B) of the masks."""
        return self.num_decisions, self.num_branches

    # ---------------------------------------------------------------- policy
    def _run(self, mask: Optional[Tensor] = None,
             greedy: bool = False) -> BranchSample:
        """Walk the D × B bits, sampling (or reading ``mask``) each one."""
        device = self.start.device
        x, state = self.start, None
        bits: List[int] = []
        log_prob = self.start.new_zeros(())
        entropy = self.start.new_zeros(())
        flat = None if mask is None else mask.reshape(-1).tolist()
        for t in range(self.num_decisions * self.num_branches):
            b = t % self.num_branches
            h, c = self.lstm(x, state)
            state = (h, c)
            logit = self.head(h)[0, b]
            if flat is not None:
                bit = int(flat[t])
            elif greedy:
                bit = int(logit.item() >= 0)  # p >= 0.5 (a tie keeps it)
            else:
                p_on = torch.sigmoid(logit.detach()).cpu()
                bit = int(torch.rand((), generator=self.generator) < p_on)
            log_on, log_off = F.logsigmoid(logit), F.logsigmoid(-logit)
            log_prob = log_prob + (log_on if bit else log_off)
            entropy = entropy - (log_on.exp() * log_on +
                                 log_off.exp() * log_off)
            bits.append(bit)
            x = self.embedding(torch.tensor([2 * b + bit], device=device))
        out = torch.tensor(bits, dtype=torch.long).view(self.shape)
        return BranchSample(out, log_prob, entropy)

    @torch.no_grad()
    def sample(self, greedy: bool = False) -> Tensor:
        """Draw a mask from the policy (or its greedy decoding).

        Args:
            greedy (bool): Take every bit with p >= 0.5 along the path
                instead of sampling (uses no random numbers). A bit at
                exactly p = 0.5 is taken: a tie keeps the branch.

        Returns:
            Tensor: (D, B) int64 mask in {0, 1}.
        """
        return self._run(greedy=greedy).mask

    def evaluate(self, mask: Tensor) -> BranchSample:
        """log π(mask) and the path entropy, differentiable.

        Args:
            mask (Tensor): (D, B) bits in {0, 1}.
        """
        mask = torch.as_tensor(mask)
        if tuple(mask.shape) != self.shape:
            raise ValueError(f'BranchController: mask must have shape '
                             f'{self.shape}, got {tuple(mask.shape)}')
        if not bool(((mask == 0) | (mask == 1)).all()):
            raise ValueError(f'BranchController: mask must hold 0/1 bits, '
                             f'got {mask.tolist()}')
        return self._run(mask=mask.long().cpu())

    @torch.no_grad()
    def policy_stats(self, num_samples: int = 16
                     ) -> Tuple[float, List[List[float]]]:
        """Monte-Carlo policy entropy and per-bit activation frequencies.

        Args:
            num_samples (int): Masks drawn (consumes the generator).

        Returns:
            tuple: The mean path entropy normalised to [0, 1] (divided by
            D·B·ln 2) and the (D, B) fraction of samples with each bit on.
        """
        entropy, on = 0.0, torch.zeros(self.shape)
        for _ in range(num_samples):
            s = self._run()
            entropy += s.entropy.item()
            on += s.mask
        bits = self.num_decisions * self.num_branches
        return (entropy / num_samples / (bits * math.log(2)),
                (on / num_samples).tolist())

    # ------------------------------------------------------ generator state
    def get_extra_state(self) -> Dict[str, Tensor]:
        return dict(generator=self.generator.get_state())

    def set_extra_state(self, state: Dict[str, Tensor]) -> None:
        self.generator.set_state(state['generator'])

    def extra_repr(self) -> str:
        return (f'num_decisions={self.num_decisions}, num_branches='
                f'{self.num_branches}, hidden_size={self.hidden_size}')


class MovingAverageBaseline:
    """REINFORCE baseline: an exponential moving average of past rewards.

    Before the first update there is no history: the advantage of a batch is
    then taken against the batch mean.

    Args:
        decay (float): b ← decay · b + (1 − decay) · mean(rewards).
    """

    def __init__(self, decay: float = 0.95) -> None:
        if not 0 <= decay < 1:
            raise ValueError(f'baseline decay must be in [0, 1), got {decay}')
        self.decay = decay
        self.value: Optional[float] = None

    def advantages(self, rewards: Tensor) -> Tensor:
        """rewards − baseline (the baseline before this batch)."""
        base = rewards.mean() if self.value is None else self.value
        return rewards - base

    def update(self, rewards: Tensor) -> None:
        mean = float(rewards.mean())
        self.value = mean if self.value is None else (
            self.decay * self.value + (1 - self.decay) * mean)

    def state_dict(self) -> Dict[str, Optional[float]]:
        return dict(decay=self.decay, value=self.value)

    def load_state_dict(self, state: Dict[str, Optional[float]]) -> None:
        self.decay = float(state['decay'])
        self.value = None if state['value'] is None else float(state['value'])


def reinforce_update(controller: BranchController,
                     optimizer: torch.optim.Optimizer,
                     masks: Sequence[Tensor], rewards: Sequence[float],
                     baseline: MovingAverageBaseline,
                     entropy_weight: float = 0.0,
                     grad_clip: Optional[float] = None) -> Dict[str, float]:
    """One REINFORCE step on a batch of sampled masks and their rewards.

    Loss: −mean_i[(R_i − b) log π(m_i)] − entropy_weight · mean_i H_i, where
    b is the baseline before this batch; the baseline is then updated.

    Args:
        controller (BranchController): The policy.
        optimizer (Optimizer): Its optimizer (e.g. Adam, lr 3.5e-3).
        masks (Sequence[Tensor]): N masks (D, B).
        rewards (Sequence[float]): N rewards.
        baseline (MovingAverageBaseline): Updated in place.
        entropy_weight (float): Weight of the entropy bonus.
        grad_clip (float, optional): Clip the gradient norm.

    Returns:
        dict: ``loss``, ``reward`` (mean), ``advantage`` (mean), ``baseline``
        (after the update) and ``entropy`` (mean path entropy, nats).
    """
    if len(masks) != len(rewards) or not masks:
        raise ValueError(f'reinforce_update needs as many rewards as masks '
                         f'(at least one); got {len(masks)} masks and '
                         f'{len(rewards)} rewards')
    reward_t = torch.tensor([float(r) for r in rewards])
    advantages = baseline.advantages(reward_t)
    samples = [controller.evaluate(m) for m in masks]
    log_probs = torch.stack([s.log_prob for s in samples])
    entropies = torch.stack([s.entropy for s in samples])
    loss = (-(advantages.to(log_probs) * log_probs).mean() -
            entropy_weight * entropies.mean())
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    if grad_clip is not None:
        torch.nn.utils.clip_grad_norm_(controller.parameters(), grad_clip)
    optimizer.step()
    baseline.update(reward_t)
    return dict(loss=float(loss.detach()), reward=float(reward_t.mean()),
                advantage=float(advantages.mean()),
                baseline=float(baseline.value),
                entropy=float(entropies.detach().mean()))


def select_best_mask(candidates: Sequence[Tensor],
                     score_fn: Callable[[Tensor], float]
                     ) -> Tuple[Tensor, List[dict]]:
    """Score candidate masks and keep the best (network-level derivation).

    Each distinct mask is scored once; ties go to the earliest candidate.

    Args:
        candidates (Sequence[Tensor]): N masks (D, B).
        score_fn (callable): mask -> score (e.g. validation AP).

    Returns:
        tuple: The best mask and, per candidate in order,
        ``{'branches': list, 'score': float}``.
    """
    if not candidates:
        raise ValueError('select_best_mask needs at least one candidate')
    cache: Dict[tuple, float] = {}
    table = []
    best, best_score = None, -math.inf
    for mask in candidates:
        key = tuple(mask.reshape(-1).tolist())
        if key not in cache:
            cache[key] = float(score_fn(mask))
        score = cache[key]
        table.append(dict(branches=mask.tolist(), score=score))
        rank = -math.inf if math.isnan(score) else score  # NaN never wins
        if best is None or rank > best_score:
            best, best_score = mask, rank
    return best.clone(), table
