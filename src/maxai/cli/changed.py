"""``maxai changed``: what a git change touches, and which domain images must be rebuilt."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path

from maxai.cli.arguments import add_command, add_revision_arguments
from maxai.cli.git import changed_files
from maxai.cli.output import EXIT_OK, Output
from maxai.cli.scope import resolve_root
from maxai.config.layout import CONFIGS_DIR, DAGS_DIR, USECASES_DIR, ObjectiveRef, discover_objectives, is_valid_name
from maxai.config.repository_files import REPOSITORY_FILES

DOCKERFILE = "Dockerfile"


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = add_command(
        commands,
        "changed",
        help="objectives and Docker images a git change touches",
        description="Compare the working tree (or --head) with the merge base of --base and list the domains, "
        "use cases and objectives whose configs, DAG files or code changed, and the domain images under "
        "maxaiusecases/ that must be rebuilt. A domain's shared files (requirements.txt, Dockerfile, "
        "pyproject.toml, setup.py, ...) mark every use case of that domain. --json prints everything, "
        '--matrix only a CI build matrix ({"include": [...]}).',
    )
    add_revision_arguments(parser)
    parser.add_argument("--matrix", action="store_true", help="print only the image build matrix as JSON")
    parser.set_defaults(handler=run)


@dataclass
class Change:
    files: list[str] = field(default_factory=list)
    objectives: set[ObjectiveRef] = field(default_factory=set)
    removed: set[tuple[str, str, str]] = field(default_factory=set)
    usecases: set[tuple[str, str]] = field(default_factory=set)
    images: set[str] = field(default_factory=set)
    other: list[str] = field(default_factory=list)


def classify(root: Path, files: list[str]) -> Change:
    change = Change(files=files)
    existing = discover_objectives(root)
    by_usecase: dict[tuple[str, str], list[ObjectiveRef]] = {}
    for ref in existing:
        by_usecase.setdefault((ref.domain, ref.usecase), []).append(ref)
    known = {ref.parts: ref for ref in existing}

    def mark_usecase(domain: str, usecase: str) -> None:
        change.usecases.add((domain, usecase))
        change.objectives.update(by_usecase.get((domain, usecase), []))

    def mark_domain(domain: str) -> None:
        for domain_name, usecase in by_usecase:
            if domain_name == domain:
                mark_usecase(domain_name, usecase)

    def mark_objective(domain: str, usecase: str, objective: str) -> None:
        change.usecases.add((domain, usecase))
        if (domain, usecase, objective) in known:
            change.objectives.add(known[(domain, usecase, objective)])
        elif all(is_valid_name(name) for name in (domain, usecase, objective)):
            change.removed.add((domain, usecase, objective))

    for path in files:
        parts = path.split("/")
        top, rest = parts[0], parts[1:]
        if top == CONFIGS_DIR and rest[:1] == [rest[-1]] and rest[-1] in REPOSITORY_FILES:
            for domain, usecase in by_usecase:  # environments.json, presets.json: every objective may change
                mark_usecase(domain, usecase)
        elif top in (CONFIGS_DIR, DAGS_DIR) and len(rest) >= 2:
            if len(rest) >= 4 or (top == DAGS_DIR and len(rest) == 4):
                mark_objective(rest[0], rest[1], rest[2])
            elif len(rest) == 3:
                mark_usecase(rest[0], rest[1])  # a use-case level config file
            else:
                mark_domain(rest[0])
        elif top == USECASES_DIR and len(rest) >= 2:
            domain = rest[0]
            if (root / USECASES_DIR / domain / DOCKERFILE).is_file() or rest[1] == DOCKERFILE:
                change.images.add(domain)
            if len(rest) >= 3 and (root / USECASES_DIR / domain / rest[1]).is_dir():
                mark_usecase(domain, rest[1])
            else:
                mark_domain(domain)  # requirements.txt, Dockerfile, pyproject.toml, setup.py, ...
        else:
            change.other.append(path)
    return change


def build_matrix(change: Change) -> dict[str, list[dict[str, str]]]:
    return {
        "include": [
            {
                "domain": domain,
                "image": f"maxai-{domain.lower()}",
                "dockerfile": f"{USECASES_DIR}/{domain}/{DOCKERFILE}",
                "context": ".",
            }
            for domain in sorted(change.images)
        ]
    }


def run(args: argparse.Namespace, out: Output) -> int:
    root = resolve_root(args.root)
    change = classify(root, changed_files(root, args.base, args.head))
    matrix = build_matrix(change)
    if args.matrix:
        out.json(matrix)
        return EXIT_OK
    objectives = sorted(change.objectives)
    if args.json:
        out.json(
            {
                "base": args.base,
                "head": args.head,
                "files": change.files,
                "domains": sorted({ref.domain for ref in objectives} | {d for d, _ in change.usecases} | change.images),
                "usecases": [f"{d}/{u}" for d, u in sorted(change.usecases)],
                "objectives": [
                    {"dag_id": ref.dag_id, "domain": ref.domain, "usecase": ref.usecase, "objective": ref.objective}
                    for ref in objectives
                ],
                "removed_objectives": ["/".join(parts) for parts in sorted(change.removed)],
                "images": sorted(change.images),
                "matrix": matrix,
                "other_files": change.other,
            }
        )
        return EXIT_OK
    out.line(out.paint(f"{len(change.files)} changed file(s) since {args.base}", "bold"))
    out.line("objectives: " + (", ".join(ref.dag_id for ref in objectives) or "none"))
    if change.removed:
        out.line("removed:    " + ", ".join("/".join(parts) for parts in sorted(change.removed)))
    out.line(
        "images:     "
        + (", ".join(f"{domain} ({USECASES_DIR}/{domain}/{DOCKERFILE})" for domain in sorted(change.images)) or "none")
    )
    if change.other:
        out.line(out.paint(f"other files (no objective or image): {len(change.other)}", "dim"))
    return EXIT_OK
