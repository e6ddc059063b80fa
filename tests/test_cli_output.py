"""What the CLI prints: colour on a real terminal (a pty) and never with NO_COLOR or in a pipe, tables aligned with
colour in their cells, and problem lines never wrapped."""

from __future__ import annotations

import fcntl
import io
import os
import pty
import re
import struct
import subprocess
import termios
from pathlib import Path

from maxai.cli.output import Output, styled
from tests.test_cli import MAXAI, maxai

ESCAPE = re.compile(r"\x1b\[[0-9;]*m")


def on_terminal(*args: str, cwd: Path, columns: int = 200, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Run maxai with standard output on a pseudo-terminal ``columns`` wide; its exit code and what it showed."""
    environment = {key: value for key, value in os.environ.items() if key not in ("NO_COLOR", "FORCE_COLOR")}
    environment.update({"TERM": "xterm-256color", "COLUMNS": str(columns)}, **(env or {}))
    main, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    process = subprocess.Popen([MAXAI, *args], cwd=cwd, stdout=terminal, stderr=subprocess.DEVNULL, env=environment)
    os.close(terminal)
    shown = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # EIO: the process closed its end
            break
        if not chunk:
            break
        shown += chunk
    os.close(main)
    return process.wait(timeout=60), shown.decode().replace("\r\n", "\n")


def break_one_config(root: Path) -> str:
    """A problem whose line (file:line:col: path: message) is far wider than a narrow terminal; that line."""
    spark = root / "maxaiconfigs/retail/demand_forecast/spark_config.json"
    spark.write_text(spark.read_text().replace('"num_executors": 2', '"num_executor": 2', 1))
    return (
        "maxaiconfigs/retail/demand_forecast/spark_config.json:28:9: tasks[1].spark_submit_conf.num_executor: "
        "unknown key 'num_executor' (did you mean 'num_executors'?)"
    )


# --- colour ----------------------------------------------------------------------------------


def test_colour_on_a_terminal_and_never_with_no_color(example_repo: Path) -> None:
    code, shown = on_terminal("list", cwd=example_repo)
    assert code == 0 and ESCAPE.search(shown), shown
    for value in ("1", "0", "false"):  # any non-empty value, per no-color.org
        code, shown = on_terminal("list", cwd=example_repo, env={"NO_COLOR": value})
        assert code == 0 and "\x1b[" not in shown and "retail.store_segments.weekly" in shown
    code, shown = on_terminal("validate", cwd=example_repo, env={"NO_COLOR": "1", "FORCE_COLOR": "1"})
    assert "\x1b[" not in shown and "✓ 7 objectives valid" in shown
    code, shown = on_terminal("validate", "--color", "never", cwd=example_repo)
    assert "\x1b[" not in shown
    code, shown = on_terminal("validate", cwd=example_repo, env={"TERM": "dumb"})
    assert "\x1b[" not in shown


def test_colour_in_a_pipe_only_when_asked(example_repo: Path) -> None:
    assert "\x1b[" not in maxai("list", cwd=example_repo).stdout
    assert "\x1b[" in maxai("list", "--color", "always", cwd=example_repo).stdout
    assert "\x1b[" in maxai("validate", cwd=example_repo, env={"FORCE_COLOR": "1"}).stdout
    # an explicit --color always outranks NO_COLOR (no-color.org: a flag may override the variable)
    assert "\x1b[" in maxai("validate", "--color", "always", cwd=example_repo, env={"NO_COLOR": "1"}).stdout


def test_problem_lines_are_never_wrapped(example_repo: Path) -> None:
    expected = break_one_config(example_repo)
    code, shown = on_terminal("validate", cwd=example_repo, columns=40)
    assert code == 1 and ESCAPE.search(shown)
    assert expected in ESCAPE.sub("", shown).splitlines()
    piped = maxai("validate", cwd=example_repo, env={"COLUMNS": "40"})
    assert expected in piped.stdout.splitlines()


# --- tables ----------------------------------------------------------------------------------


def test_table_columns_align_with_colour_in_cells() -> None:
    rows = [["a_long_task_name", styled("success", "green"), "1.0s"], ["b", styled("failed", "red", "bold"), "-"]]
    painted = io.StringIO()
    Output("always", stream=painted).table(["TASK", "STATE", "DURATION"], rows)
    assert "\x1b[32msuccess" in painted.getvalue() and "\x1b[1;31mfailed" in painted.getvalue()
    header, first, second = ESCAPE.sub("", painted.getvalue()).splitlines()
    assert header.index("DURATION") == first.index("1.0s") == second.index("-") == len("a_long_task_name  success  ")
    plain = io.StringIO()
    Output("never", stream=plain).table(["TASK", "STATE", "DURATION"], rows)
    assert plain.getvalue() == ESCAPE.sub("", painted.getvalue())
    assert all(line == line.rstrip() for line in plain.getvalue().splitlines())


def test_list_in_a_pipe_keeps_each_row_on_one_line(example_repo: Path) -> None:
    result = maxai("list", cwd=example_repo, env={"COLUMNS": "40"})
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["DOMAIN", "USE", "CASE", "OBJECTIVE", "DAG", "ID", "SCHEDULE", "TASKS"]
    assert len(lines) == 8 and all(len(line) > 80 for line in lines[1:])
    # two spaces between columns, no trailing blanks
    assert lines[7].split() == [
        "retail",
        "store_segments",
        "weekly",
        "retail.store_segments.weekly",
        "0",
        "3",
        "*",
        "*",
        "1",
        "3",
        "(1",
        "spark,",
        "2",
        "pod)",
    ]
    assert not lines[7].endswith(" ") and "retail   store_segments   weekly" in lines[7]
    assert lines[5].endswith("3 (0 spark, 0 pod, 3 model)")  # retail.demand_model.weekly: a kind of its own


def test_list_table_on_a_narrow_terminal_folds_cells(example_repo: Path) -> None:
    (example_repo / "maxaiconfigs/retail/demand_forecast/stores_us/py_config.json").write_text("{")
    code, shown = on_terminal("list", cwd=example_repo, columns=60)
    assert code == 1
    lines = ESCAPE.sub("", shown).splitlines()
    assert lines and all(len(line) <= 60 for line in lines), shown
    assert "\x1b[31m" in shown  # the invalid objective's problem count in red
