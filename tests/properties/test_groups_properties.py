"""Part groups: any permutation of the joints, any uneven split."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mmposenas.parts import (even_split_groups, reorder_groups,
                             resolve_groups, validate_groups)


@st.composite
def groupings(draw, max_joints=20):
    """A partition of 0..K-1 into non-empty groups of any sizes, joints and
    groups in any order."""
    k = draw(st.integers(1, max_joints))
    joints = draw(st.permutations(list(range(k))))
    cuts = sorted(draw(st.sets(st.integers(1, k - 1), max_size=k - 1))) \
        if k > 1 else []
    bounds = [0, *cuts, k]
    return k, [joints[a:b] for a, b in zip(bounds, bounds[1:])]


@given(case=groupings())
def test_any_partition_is_valid_and_kept_as_given(case):
    k, groups = case
    assert validate_groups(groups, k) == groups
    assert resolve_groups(groups, k) == groups


@given(case=groupings(), data=st.data())
def test_reorder_is_a_permutation_of_groups(case, data):
    k, groups = case
    order = data.draw(st.permutations(list(range(len(groups)))))
    out = reorder_groups(groups, order)
    assert out == [groups[i] for i in order]
    assert validate_groups(out, k) == out
    # the inverse permutation restores the original
    inverse = sorted(range(len(order)), key=lambda i: order[i])
    assert reorder_groups(out, inverse) == groups


@given(case=groupings(), data=st.data())
def test_reorder_rejects_non_permutations(case, data):
    _, groups = case
    n = len(groups)
    bad = data.draw(st.lists(st.integers(-1, n), min_size=0, max_size=n + 1)
                    .filter(lambda o: sorted(o) != list(range(n))))
    with pytest.raises(ValueError, match='permutation'):
        reorder_groups(groups, bad)


@given(case=groupings(max_joints=12), data=st.data())
def test_broken_partitions_name_the_joints(case, data):
    k, groups = case
    g = data.draw(st.integers(0, len(groups) - 1))
    kind = data.draw(st.sampled_from(['drop', 'repeat', 'range']))
    broken = [list(x) for x in groups]
    if kind == 'drop':
        if len(broken[g]) == 1 and len(broken) == 1:
            return
        joint = broken[g].pop()
        if not broken[g]:
            broken.pop(g)
        match = rf'joints \[{joint}\] are in no group'
    elif kind == 'repeat':
        joint = data.draw(st.sampled_from(groups[g]))
        broken[(g + 1) % len(broken)].append(joint)
        match = rf'joints \[{joint}\] appear in more than one'
    else:
        joint = k + data.draw(st.integers(0, 3))
        broken[g].append(joint)
        match = rf'joints \[{joint}\] are out of range'
    with pytest.raises(ValueError, match=match):
        validate_groups(broken, k)


@given(k=st.integers(1, 30), data=st.data())
def test_even_split_sizes_differ_by_at_most_one(k, data):
    n = data.draw(st.integers(1, k))
    order = data.draw(st.permutations(list(range(k))))
    groups = even_split_groups(k, n, order=order)
    sizes = [len(g) for g in groups]
    assert len(groups) == n and max(sizes) - min(sizes) <= 1
    assert sizes == sorted(sizes, reverse=True)  # larger first
    assert [j for g in groups for j in g] == order  # contiguous in order
