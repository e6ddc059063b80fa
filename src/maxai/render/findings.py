"""What rendering found: problems (the output cannot be made) and notes (made, but a setting has no place in it)."""

from __future__ import annotations

from dataclasses import dataclass, field

from maxai.errors import ConfigError, Problem


@dataclass
class Findings:
    """Problems and notes of one render. With ``strict``, every note is a problem too."""

    strict: bool = False
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)

    def refuse(self, problem: Problem) -> None:
        self.problems.append(problem)

    def note(self, problem: Problem) -> None:
        if self.strict:
            self.problems.append(
                Problem(
                    problem.file, problem.path, f"{problem.message} (refused by --strict)", problem.line, problem.column
                )
            )
        else:
            self.notes.append(problem)

    def raise_if_any(self) -> None:
        if self.problems:
            raise ConfigError(self.problems)


@dataclass(frozen=True)
class Rendered:
    """One objective's output for one target."""

    text: str
    notes: tuple[Problem, ...] = ()
    suffix: str = ".yaml"
    """The file extension this output is written with."""
