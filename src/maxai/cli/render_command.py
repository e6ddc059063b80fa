"""``maxai render``: an objective (or all of them) as an Argo Workflow, a Kubeflow pipeline or a standalone
Airflow DAG file."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from maxai.cli.arguments import add_command
from maxai.cli.output import EXIT_OK, EXIT_PROBLEMS, Output, UsageError
from maxai.cli.scope import objective_ref, resolve_root
from maxai.config.layout import ObjectiveRef, discover_objectives
from maxai.config.loader import load_objective
from maxai.errors import ConfigError, Problem
from maxai.render.targets import EXTRAS, TARGETS, TargetName, render


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = add_command(
        commands,
        "render",
        help="an objective as an Argo Workflow, a Kubeflow pipeline or a standalone Airflow DAG file",
        description="Render one objective (or, with --all, every objective into a folder) for another "
        "orchestrator: argo (a Workflow or CronWorkflow; for an objective scheduled on assets a WorkflowTemplate "
        "and an Argo Events Sensor), kubeflow (the Pipelines IR; for an objective scheduled on assets followed by "
        "the Sensor creating its runs) or airflow (a DAG file without maxai). A setting the target cannot express "
        "is an error naming its file and key; a setting with no place in the output but no effect on what tasks "
        "compute is a note (an error with --strict). "
        "See docs/render.rst.",
    )
    parser.add_argument("target", choices=TARGETS)
    parser.add_argument("domain", nargs="?")
    parser.add_argument("usecase", nargs="?")
    parser.add_argument("objective", nargs="?")
    parser.add_argument("--all", action="store_true", help="every objective, into the folder given with -o")
    parser.add_argument(
        "-o", "--output", metavar="PATH", help="write here (a file; with --all a folder) instead of standard output"
    )
    parser.add_argument("--strict", action="store_true", help="refuse settings that would only be noted")
    parser.add_argument(
        "--spark",
        choices=("operator", "submit"),
        help="argo only: Spark tasks as SparkApplications for the Spark operator (default) or as spark-submit "
        "containers",
    )
    parser.add_argument(
        "--update-image",
        metavar="IMAGE",
        help="argo and kubeflow: the image (with curl, and sh for kubeflow) of the steps that tell Argo Events an "
        "awaited output was updated (default: a pinned curlimages/curl)",
    )
    parser.add_argument(
        "--kfp-api",
        metavar="URL",
        help="kubeflow only: the Kubeflow Pipelines API the Sensor of an objective scheduled on assets creates runs "
        "through (default: http://ml-pipeline.kubeflow.svc.cluster.local:8888, a standard install's)",
    )
    parser.add_argument(
        "--kfp-experiment",
        metavar="ID",
        help="kubeflow only: the experiment (and so the namespace) of the runs that Sensor creates (default: the "
        "API server's default experiment; a multi-user install needs one)",
    )
    parser.add_argument(
        "--kfp-auth-secret",
        metavar="SECRET/KEY",
        help="kubeflow only: the Secret key holding the Authorization header the Sensor sends (Bearer <token>), "
        "for an API that requires one (default: none)",
    )
    parser.add_argument(
        "--callback-image",
        metavar="IMAGE",
        help="argo and kubeflow: the image (with maxai and the domain's handlers) the objective's callbacks and "
        "deadline alerts run in (default: the image of its pod tasks, when they share one)",
    )
    parser.add_argument(
        "--event-source",
        action="store_true",
        help="argo only: print the Argo Events EventSource those steps post to (once per namespace), no objective",
    )
    parser.set_defaults(handler=run)


def _check_arguments(args: argparse.Namespace) -> None:
    names = [args.domain, args.usecase, args.objective]
    if args.callback_image and args.target == "airflow":
        raise UsageError("--callback-image applies to argo and kubeflow only (the Airflow file calls the callbacks)")
    if args.event_source and args.target != "argo":
        raise UsageError("--event-source applies to argo only")
    if args.update_image and args.target == "airflow":
        raise UsageError("--update-image applies to argo and kubeflow only")
    for option, given in (
        ("--kfp-api", args.kfp_api),
        ("--kfp-experiment", args.kfp_experiment),
        ("--kfp-auth-secret", args.kfp_auth_secret),
    ):
        if given is not None and args.target != "kubeflow":
            raise UsageError(f"{option} applies to kubeflow only")
    if args.kfp_auth_secret is not None and len(args.kfp_auth_secret.split("/")) != 2:
        raise UsageError("--kfp-auth-secret takes SECRET/KEY: the Secret's name and the key holding the header")
    if args.event_source:
        if any(names) or args.all:
            raise UsageError("--event-source prints the EventSource alone: give no objective and no --all")
        return
    if args.all:
        if any(names):
            raise UsageError("give DOMAIN USECASE OBJ or --all, not both")
        if not args.output:
            raise UsageError("--all writes one file per objective: give the folder with -o DIR")
    elif not all(names):
        raise UsageError("name the objective (DOMAIN USECASE OBJ) or give --all")
    if args.spark and args.target != "argo":
        raise UsageError("--spark applies to argo only (kubeflow always runs spark-submit in a container)")


def _render(target: TargetName, root: Path, ref: ObjectiveRef, args: argparse.Namespace) -> Any:
    try:
        config = load_objective(root, *ref.parts)
        return render(
            target,
            config,
            strict=args.strict,
            spark=args.spark or "operator",
            update_image=args.update_image,
            callback_image=args.callback_image,
            kfp=(args.kfp_api, args.kfp_experiment, args.kfp_auth_secret),
        )
    except ModuleNotFoundError as error:
        raise UsageError(f"maxai render {target} needs {error.name}: install maxai[{EXTRAS[target]}]") from None


def _print_notes(out: Output, notes: tuple[Problem, ...] | list[Problem]) -> None:
    for note in notes:
        out.error(f"{out.paint('note', 'yellow')}: {note}")


def _print_problems(out: Output, problems: list[Problem]) -> None:
    for problem in problems:
        out.error(f"{out.paint(problem.location(), 'bold')}: {problem.path_text}: {out.paint(problem.message, 'red')}")


def _collisions(target: TargetName, refs: list[ObjectiveRef]) -> dict[ObjectiveRef, Problem]:
    """Objectives whose Kubernetes names are the same: applying both would replace one with the other."""
    from maxai.render.naming import kubernetes_name

    if target == "airflow":
        return {}
    holders: dict[str, ObjectiveRef] = {}
    problems = {}
    for ref in refs:
        name = kubernetes_name(ref.dag_id)
        if name in holders:
            message = f"objectives {holders[name]} and {ref} both become {name!r} on Kubernetes; rename a folder"
            problems[ref] = Problem(f"maxaiconfigs/{ref}/", (), message)
        holders.setdefault(name, ref)
    return problems


def _run_all(root: Path, args: argparse.Namespace, out: Output) -> int:
    folder = Path(args.output)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"-o {args.output}: not a folder")
    refs = discover_objectives(root)
    collisions = _collisions(args.target, refs)
    results: list[dict[str, Any]] = []
    for ref in refs:
        entry: dict[str, Any] = {"dag_id": ref.dag_id, "file": None, "notes": [], "problems": []}
        try:
            if ref in collisions:
                raise ConfigError([collisions[ref]])
            rendered = _render(args.target, root, ref, args)
        except ConfigError as error:
            entry["problems"] = [problem.as_dict() for problem in error.problems]
            if not args.json:
                _print_problems(out, error.problems)
        else:
            target = folder / ref.domain / ref.usecase / f"{ref.objective}{rendered.suffix}"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(rendered.text, encoding="utf-8")
            entry.update(file=str(target), notes=[note.as_dict() for note in rendered.notes])
            if not args.json:
                _print_notes(out, rendered.notes)
                out.line(f"wrote {target}")
        results.append(entry)
    failed = sum(1 for entry in results if entry["problems"])
    if args.json:
        out.json({"ok": not failed, "target": args.target, "objectives": results})
    elif failed:
        out.error(out.paint(f"{failed} of {len(results)} objectives not rendered for {args.target}", "red"))
    return EXIT_PROBLEMS if failed else EXIT_OK


def _event_source(args: argparse.Namespace, out: Output) -> int:
    try:
        from maxai.render.argo_events import event_source_document
        from maxai.render.yaml_text import dump_yaml
    except ModuleNotFoundError as error:
        raise UsageError(f"maxai render argo needs {error.name}: install maxai[{EXTRAS['argo']}]") from None
    text = "# The Argo Events EventSource maxai's asset-update steps post to, written by `maxai render argo "
    text += "--event-source`\n" + dump_yaml([event_source_document()])
    if args.output:
        if not Path(args.output).parent.is_dir():
            raise UsageError(f"-o {args.output}: folder {Path(args.output).parent} does not exist")
        Path(args.output).write_text(text, encoding="utf-8")
    if args.json:
        out.json({"ok": True, "target": "argo", **({"file": args.output} if args.output else {"text": text})})
    elif args.output:
        out.line(f"wrote {args.output}")
    else:
        out.stream.write(text)
        out.stream.flush()
    return EXIT_OK


def run(args: argparse.Namespace, out: Output) -> int:
    _check_arguments(args)
    if args.event_source:
        return _event_source(args, out)
    os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING")  # render airflow builds the DAG
    root = resolve_root(args.root)
    if args.all:
        return _run_all(root, args, out)
    ref = objective_ref(root, args.domain, args.usecase, args.objective)
    rendered = _render(args.target, root, ref, args)
    notes = [note.as_dict() for note in rendered.notes]
    if args.output:
        target = Path(args.output)
        if not target.parent.is_dir():
            raise UsageError(f"-o {args.output}: folder {target.parent} does not exist")
        target.write_text(rendered.text, encoding="utf-8")
    if args.json:
        result: dict[str, Any] = {"ok": True, "target": args.target, "dag_id": ref.dag_id, "notes": notes}
        result.update({"file": args.output} if args.output else {"text": rendered.text})
        out.json(result)
        return EXIT_OK
    _print_notes(out, rendered.notes)
    if args.output:
        out.line(f"wrote {args.output}")
    else:
        out.stream.write(rendered.text)
        out.stream.flush()
    return EXIT_OK
