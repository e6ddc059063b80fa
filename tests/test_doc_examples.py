"""Every code example of the documentation runs, so a renamed flag or key breaks the tests, not the reader.

What running means for each kind of block is in tests/doc_runner.py. Handler code the docs show with
``literalinclude`` is the example marketplace's own, which tests/test_end_to_end.py runs.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.doc_blocks import CodeBlock, code_blocks, documents
from tests.doc_runner import ExampleFailed, Runner, make_sandbox, needs_spark, sandbox_environment


def _document_params() -> list[object]:
    params = []
    for path in documents(REPO):
        name = str(path.relative_to(REPO))
        try:
            spark = needs_spark(code_blocks(path, name))
        except ValueError:
            spark = False  # the test reports it
        params.append(pytest.param(path, id=name, marks=[pytest.mark.spark] if spark else []))
    return params


@pytest.mark.parametrize("document", _document_params())
def test_the_examples_of_a_page_run(repo: Path, document: Path, tmp_path: Path) -> None:
    blocks = code_blocks(document, str(document.relative_to(repo)))
    runner = _runner(repo, document, tmp_path)
    for block in blocks:
        runner.run(block)


def test_every_page_has_examples_or_says_why_not(repo: Path) -> None:
    """A page of commands and configs whose blocks were all marked not-run would test nothing."""
    for path in documents(repo):
        blocks = code_blocks(path, str(path.relative_to(repo)))
        if blocks:
            assert any(block.runs for block in blocks), f"{path.name}: every code block is marked not-run"


def test_airflow_settings_the_docs_name_exist(repo: Path) -> None:
    text = "\n".join(path.read_text(encoding="utf-8") for path in documents(repo))
    settings = sorted(set(re.findall(r"AIRFLOW__([A-Z0-9_]+?)__([A-Z0-9_]+)", text)))
    assert settings
    # Airflow's own description of its settings (has_option is false for a setting without a default)
    check = (
        "import sys\nfrom airflow.configuration import conf\nknown = conf.configuration_description\n"
        "missing = [f'AIRFLOW__{s}__{k}' for s, k in (a.split(':') for a in sys.argv[1:]) "
        "if k.lower() not in known.get(s.lower(), {}).get('options', {})]\nprint(' '.join(missing))"
    )
    result = subprocess.run(
        [sys.executable, "-c", check, *(f"{section}:{key}" for section, key in settings)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "", f"the docs name Airflow settings that do not exist: {result.stdout}"


# The checks above can fail: each of the following is a page that drifted from the code.


def _runner(repo: Path, document: Path, tmp_path: Path) -> Runner:
    sandbox = make_sandbox(repo, document, tmp_path / "sandbox")
    return Runner(repo, sandbox, sandbox_environment(tmp_path / "cache"))


def _page(tmp_path: Path, text: str) -> tuple[Path, list[CodeBlock]]:
    page = tmp_path / "page.rst"
    tmp_path.mkdir(parents=True, exist_ok=True)
    page.write_text("Page\n====\n\n" + text, encoding="utf-8")
    return page, code_blocks(page, "page.rst")


def _run_page(repo: Path, tmp_path: Path, text: str) -> None:
    page, blocks = _page(tmp_path, text)
    runner = _runner(repo, page, tmp_path)
    for block in blocks:
        runner.run(block)


def test_a_renamed_flag_fails(repo: Path, tmp_path: Path) -> None:
    with pytest.raises(ExampleFailed, match=r"page.rst:4: `maxai validate --deeep` printed"):
        _run_page(repo, tmp_path, ".. code-block:: console\n\n   $ maxai validate --deeep\n   ✓ 6 objectives valid\n")


def test_a_renamed_flag_fails_in_a_block_that_is_not_run(repo: Path, tmp_path: Path) -> None:
    with pytest.raises(ExampleFailed, match=r"page.rst:4: `maxai changed --bsae origin/main`"):
        _run_page(
            repo,
            tmp_path,
            ".. code-block:: console\n   :class: not-run\n\n   git fetch && maxai changed --bsae origin/main\n",
        )


def test_a_renamed_key_fails_in_a_config_example(repo: Path, tmp_path: Path) -> None:
    config = '{"tasks": [{"name": "a", "task_id": 1, "spark_submit_conf": {"application": "a.py", "num_executor": 2}}]}'
    with pytest.raises(ExampleFailed, match=r"not a valid spark_config.json: tasks.0.spark_submit_conf"):
        _run_page(repo, tmp_path, f".. code-block:: json\n   :caption: spark_config.json\n\n   {config}\n")


def test_a_config_shown_as_a_mistake_must_be_one(repo: Path, tmp_path: Path) -> None:
    config = '{"@dag": {"schedule": "@daily"}}'
    with pytest.raises(ExampleFailed, match=r"marked invalid, but it is a valid py_config\.json"):
        _run_page(
            repo, tmp_path, f".. code-block:: json\n   :caption: py_config.json\n   :class: invalid\n\n   {config}\n"
        )


def test_a_failing_script_fails(repo: Path, tmp_path: Path) -> None:
    with pytest.raises(ExampleFailed, match="exit code 1"):
        _run_page(repo, tmp_path, ".. code-block:: console\n\n   maxai list\n   false\n")


def test_shown_output_is_compared(repo: Path, tmp_path: Path) -> None:
    _run_page(repo, tmp_path, ".. code-block:: console\n\n   $ printf 'a\\nb\\nc d\\n'\n   a\n   ...\n   c ...\n")
    with pytest.raises(ExampleFailed, match="but the page shows"):
        _run_page(repo, tmp_path / "second", ".. code-block:: console\n\n   $ echo one\n   two\n")


def test_a_caption_writes_the_file_later_commands_see(repo: Path, tmp_path: Path) -> None:
    override = '{"@dag": {"schedule": "@hourly"}}'
    page = (
        f".. code-block:: json\n   :caption: maxaiconfigs/retail/demand_forecast/stores_eu/py_config.json\n\n"
        f"   {override}\n\n.. code-block:: console\n\n   $ maxai validate\n   ✓ 6 objectives valid\n"
    )
    with pytest.raises(ExampleFailed, match=r'stores_eu/py_config.json:1:\d+: \["@dag"\].schedule'):
        _run_page(repo, tmp_path, page)


def test_a_block_nothing_checks_must_say_so(repo: Path, tmp_path: Path) -> None:
    with pytest.raises(ExampleFailed, match="nothing checks a `ini` block"):
        _run_page(repo, tmp_path, ".. code-block:: ini\n\n   [core]\n")
    _run_page(repo, tmp_path / "second", ".. code-block:: ini\n   :class: not-run\n\n   [core]\n")


def test_a_command_in_a_literal_block_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"page.rst:6: a maxai command in a literal block"):
        _page(tmp_path, "Run this::\n\n   maxai validate\n")
