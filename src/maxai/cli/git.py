"""Git as the commands that compare revisions use it: ``maxai changed`` and ``maxai diff``."""

from __future__ import annotations

import io
import subprocess
import tarfile
from pathlib import Path

from maxai.cli.output import UsageError


def git(root: Path, *arguments: str) -> str:
    """The output of ``git ARGUMENTS`` run in ``root``; a usage error naming the command when it fails."""
    return git_bytes(root, *arguments).decode("utf-8", errors="replace")


def git_bytes(root: Path, *arguments: str) -> bytes:
    try:
        result = subprocess.run(["git", *arguments], cwd=root, capture_output=True, check=False)
    except FileNotFoundError:
        raise UsageError("git is not installed") from None
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", errors="replace").strip() or "failed"
        raise UsageError(f"git {' '.join(arguments)}: {message}")
    return result.stdout


def toplevel(root: Path) -> Path:
    return Path(git(root, "rev-parse", "--show-toplevel").strip()).resolve()


def merge_base(root: Path, base: str, head: str | None) -> str:
    """The commit ``base`` and ``head`` (else HEAD) share: what a branch's change is measured against."""
    return git(root, "merge-base", base, head or "HEAD").strip()


def changed_files(root: Path, base: str, head: str | None) -> list[str]:
    """Paths (relative to ``root``) that differ between the merge base of ``base`` and ``head``/the working tree."""
    top = toplevel(root)
    common = merge_base(root, base, head)
    if head:
        listed = git(root, "diff", "--name-only", "--no-renames", common, head)
    else:
        listed = git(root, "diff", "--name-only", "--no-renames", common)
        listed += git(root, "ls-files", "--others", "--exclude-standard", "--full-name")
    paths = []
    for line in listed.splitlines():
        if not line.strip():
            continue
        absolute = top / line
        try:
            paths.append(absolute.relative_to(root).as_posix())
        except ValueError:
            continue  # outside the maxai root, e.g. in a parent monorepo
    return sorted(set(paths))


def export_tree(root: Path, revision: str, folders: tuple[str, ...], destination: Path) -> Path:
    """Write ``folders`` of the maxai root as they are at ``revision`` under ``destination``.

    Returns where the root lies in the copy (the same place relative to the git top level as ``root``).
    Folders the revision does not have are left out. Nothing touches the working tree or the index.
    """
    top = toplevel(root)
    prefix = root.resolve().relative_to(top).as_posix()
    inside = "" if prefix == "." else f"{prefix}/"
    present = set(git(top, "ls-tree", "--name-only", f"{revision}:{inside}").split("\n"))
    wanted = [f"{inside}{folder}" for folder in folders if folder in present]
    copy_root = destination / inside if inside else destination
    copy_root.mkdir(parents=True, exist_ok=True)
    if wanted:
        archive = git_bytes(top, "archive", "--format=tar", revision, "--", *wanted)
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(destination, filter="data")
    return copy_root
