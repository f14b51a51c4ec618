"""Duplicate groups: union-find over accepted pairs, under the constraints a reviewer set.

A union is refused when it would put into one group two records of a source declared internally
unique, or two records a human (or an unmerge) said are different. Every group gets one canonical
root, the most complete record, and every other member points straight at it: no chains, no cycles.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


class Groups:
    """Union-find over record ids with cannot-link constraints (checked per group, not per pair)."""

    def __init__(self, unique_source: Mapping[int, int], cannot_link: Mapping[int, set[int]]) -> None:
        self.parent: dict[int, int] = {}
        self.members: dict[int, list[int]] = {}
        self.unique_source = unique_source    # record id -> source id, for sources declared unique
        self.cannot_link = cannot_link        # record id -> records it must never share a group with

    def find(self, x: int) -> int:
        parent = self.parent
        if x not in parent:
            parent[x] = x
            self.members[x] = [x]
            return x
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def why_not(self, a: int, b: int) -> str | None:
        """None when a and b may share a group; otherwise the reason they may not."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return None
        small, large = sorted((self.members[ra], self.members[rb]), key=len)
        large_set = set(large)
        sources = {self.unique_source[m] for m in large if m in self.unique_source}
        for m in small:
            if m in self.unique_source and self.unique_source[m] in sources:
                return f"records of source {self.unique_source[m]}, declared unique, would share a group"
            if self.cannot_link.get(m, set()) & large_set:
                return "a pair in the two groups was decided different (or unmerged)"
        return None

    def union(self, a: int, b: int) -> str | None:
        """Join the groups of a and b; returns the refusal reason instead when a constraint forbids it."""
        reason = self.why_not(a, b)
        if reason:
            return reason
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return None
        if len(self.members[ra]) < len(self.members[rb]):
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.members[ra].extend(self.members.pop(rb))
        return None

    def groups(self) -> Iterable[list[int]]:
        """Every group with more than one member."""
        return (m for m in self.members.values() if len(m) > 1)


def choose_root(members: Iterable[int], completeness: Mapping[int, int]) -> int:
    """The most complete record (most filled fields); the earliest imported on a tie."""
    return min(members, key=lambda r: (-completeness.get(r, 0), r))


def roots_for(groups: Iterable[list[int]], completeness: Mapping[int, int]) -> dict[int, int]:
    """record id -> its root for every member of a multi-record group (roots map to None-free self)."""
    target: dict[int, int] = {}
    for members in groups:
        root = choose_root(members, completeness)
        for m in members:
            target[m] = root
    return target


def check_invariant(duplicate_of: Mapping[int, int | None]) -> list[str]:
    """Problems with a record id -> duplicate_of mapping: chains, cycles, self-links (empty: fine)."""
    problems = []
    for rec, root in duplicate_of.items():
        if root is None:
            continue
        if root == rec:
            problems.append(f"record {rec} points at itself")
        elif duplicate_of.get(root) is not None:
            problems.append(f"record {rec} points at {root}, which is itself a duplicate (chain)")
    return problems
