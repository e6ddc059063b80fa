"""Task ordering: chain by task_id, or explicit ``depends_on`` for fan-out and fan-in."""

from __future__ import annotations

from maxai.config.diagnostics import did_you_mean


def order_tasks(
    names: list[str], declared: dict[str, list[str] | None]
) -> tuple[dict[str, tuple[str, ...]], list[tuple[str, str]]]:
    """Upstream task names per task, and ``(task, problem)`` pairs.

    ``names`` is in ascending task_id order. A task without ``depends_on`` follows the
    task before it; ``depends_on: []`` makes a task a root.
    """
    upstream: dict[str, tuple[str, ...]] = {}
    problems: list[tuple[str, str]] = []
    known = set(names)
    for position, name in enumerate(names):
        depends_on = declared.get(name)
        if depends_on is None:
            upstream[name] = (names[position - 1],) if position > 0 else ()
            continue
        for parent in depends_on:
            if parent == name:
                problems.append((name, f"task {name!r} cannot depend on itself"))
            elif parent not in known:
                problems.append(
                    (name, f"depends on {parent!r}, which is not a task of this objective{did_you_mean(parent, names)}")
                )
        if len(set(depends_on)) != len(depends_on):
            problems.append((name, "lists the same upstream task twice"))
        upstream[name] = tuple(dict.fromkeys(parent for parent in depends_on if parent in known and parent != name))
    if not problems:
        cycle = find_cycle(names, upstream)
        if cycle:
            problems.append((cycle[0], "tasks depend on each other in a cycle: " + " -> ".join([*cycle, cycle[0]])))
    return upstream, problems


def find_cycle(names: list[str], upstream: dict[str, tuple[str, ...]]) -> list[str]:
    """One cycle along the ``upstream`` edges, as the path that walks it (empty when there is none)."""
    state: dict[str, int] = {}
    for start in names:
        if state.get(start):
            continue
        stack: list[tuple[str, int]] = [(start, 0)]
        path: list[str] = []
        while stack:
            node, child_index = stack.pop()
            if child_index == 0:
                state[node] = 1
                path.append(node)
            parents = upstream[node]
            if child_index < len(parents):
                stack.append((node, child_index + 1))
                parent = parents[child_index]
                if state.get(parent) == 1:
                    return path[path.index(parent) :]
                if not state.get(parent):
                    stack.append((parent, 0))
            else:
                state[node] = 2
                path.pop()
    return []
