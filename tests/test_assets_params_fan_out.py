"""Airflow 3 features from config: assets from input/output, asset schedules, DAG params, for_each fan-out.

The example objective ``retail.forecast_review.daily`` uses each of them; the mistakes users can make
with them are config errors with file, line and JSON path.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from maxai.cli.validate import check_objectives
from maxai.config.assets import data_asset, describe_schedule
from maxai.config.layout import discover_objectives
from maxai.config.loader import load_objective
from maxai.errors import ConfigError, Problem

REVIEW = "maxaiconfigs/retail/forecast_review/daily/py_config.json"
STORES_EU = "maxaiconfigs/retail/demand_forecast/stores_eu/py_config.json"
EU_FORECAST = "out/retail/demand_forecast/stores_eu/forecast"
US_FORECAST = "out/retail/demand_forecast/stores_us/forecast"


def _review_dag(repo: Path) -> Any:
    from maxai.testing import load_dagbag

    bag = load_dagbag(repo / "maxaidags/retail/forecast_review/daily")
    assert bag.import_errors == {}
    return bag.dags["retail.forecast_review.daily"]


def test_asset_identity_is_the_normalised_data_path() -> None:
    assert data_asset("out/x//y/") == data_asset("./out/x/y")
    assert data_asset("out/x/y").uri == "x-maxai://data/out/x/y"
    assert data_asset("s3a://bucket/key/").uri == "s3a://bucket/key"


def test_outputs_are_outlets_and_outside_inputs_are_inlets(airflow_db: Path, repo: Path) -> None:
    dag = _review_dag(repo)
    summarise = dag.get_task("summarise_region")
    assert {asset.uri for asset in summarise.inlets} == {data_asset(EU_FORECAST).uri, data_asset(US_FORECAST).uri}
    assert [asset.name for asset in summarise.outlets] == ["out/retail/forecast_review/store_totals"]
    # an input written by a task of the same objective is no inlet: the objective's own edges say it
    assert dag.get_task("compare_regions").inlets == []
    assert [asset.name for asset in dag.get_task("publish_review").outlets] == ["out/retail/forecast_review/review"]


def test_an_objective_waits_for_the_assets_another_writes(airflow_db: Path, repo: Path) -> None:
    from airflow.sdk import AssetAll

    from maxai.testing import load_dagbag

    dag = _review_dag(repo)
    assert isinstance(dag.timetable.asset_condition, AssetAll)
    awaited = {asset.uri for asset in dag.timetable.asset_condition.objects}
    upstream = load_dagbag(repo / "maxaidags/retail/demand_forecast").dags
    written = {
        asset.uri
        for dag_id in ("retail.demand_forecast.stores_eu", "retail.demand_forecast.stores_us")
        for asset in upstream[dag_id].get_task("forecast_demand").outlets
    }
    assert awaited == written


def test_schedules_combine_assets_and_cron(example_repo: Path, edit_json: Callable[..., Path]) -> None:
    from maxai.factory.dag import dag_from_config

    edit_json(
        REVIEW,
        lambda data: data["@dag"].update(
            schedule={"cron": "0 6 * * *", "assets": {"any": [EU_FORECAST, {"external": "s3a://landing/prices"}]}}
        ),
    )
    config = load_objective(example_repo, "retail", "forecast_review", "daily", use_cache=False)
    assert describe_schedule(config.dag.schedule) == f"0 6 * * * or assets: {EU_FORECAST} | s3a://landing/prices"
    dag = dag_from_config(config)
    assert type(dag.timetable).__name__ == "AssetOrTimeSchedule"
    assert {asset.uri for asset in dag.timetable.asset_condition.objects} == {
        data_asset(EU_FORECAST).uri,
        "s3a://landing/prices",
    }


def test_params_are_in_the_trigger_form_and_reach_the_handler(airflow_db: Path, repo: Path) -> None:
    from airflow.sdk.definitions.param import process_params
    from airflow.sdk.exceptions import ParamValidationError

    dag = _review_dag(repo)
    param = dag.params.get_param("top_stores")
    assert param.value == 3 and param.schema["minimum"] == 1 and param.schema["title"] == "Stores to rank"
    task = dag.get_task("rank_stores")
    for conf, expected in ((None, 3), ({"top_stores": 7}, 7)):
        context = {"params": process_params(dag, task, conf, suppress_exception=False)}
        rendered = task.render_template(task.env_vars["MAXAI_RUN_PARAMS"], context, dag.get_template_env())
        assert json.loads(rendered) == {"top_stores": expected}
    with pytest.raises(ParamValidationError, match="top_stores"):
        process_params(dag, task, {"top_stores": 0}, suppress_exception=False)


def test_for_each_maps_one_task_over_its_values(airflow_db: Path, repo: Path) -> None:
    from airflow.sdk.definitions.mappedoperator import MappedOperator

    dag = _review_dag(repo)
    summarise = dag.get_task("summarise_region")
    assert isinstance(summarise, MappedOperator)
    per_value = summarise.expand_input.value["env_vars"]
    assert [json.loads(env["MAXAI_ITEM"]) for env in per_value] == [{"region": "eu"}, {"region": "us"}]
    # fan-out after the mapped task, fan-in before the last one
    assert sorted(dag.get_task("compare_regions").upstream_task_ids) == ["summarise_region"]
    assert sorted(dag.get_task("rank_stores").upstream_task_ids) == ["summarise_region"]
    assert sorted(dag.get_task("publish_review").upstream_task_ids) == ["compare_regions", "rank_stores"]


def test_the_dag_processor_can_serialise_it(airflow_db: Path, repo: Path) -> None:
    from airflow.serialization.serialized_objects import DagSerialization

    dag = _review_dag(repo)
    restored = DagSerialization.from_dict(DagSerialization.to_dict(dag))
    assert sorted(restored.task_ids) == sorted(dag.task_ids)
    assert restored.params.get_param("top_stores").value == 3


def test_a_for_each_run_writes_below_its_date_and_sees_its_value() -> None:
    from maxai.runtime import current_task

    environment = {
        "MAXAI_DOMAIN": "retail",
        "MAXAI_USECASE": "forecast_review",
        "MAXAI_OBJECTIVE": "daily",
        "MAXAI_TASK": "summarise_region",
        "MAXAI_PARAMS": json.dumps({"input": {"eu": EU_FORECAST}, "output": "out/totals", "args": {"x": 1}}),
        "MAXAI_RUN_DATE": "2026-02-10",
        "MAXAI_RUN_ID": "manual__1",
        "MAXAI_DATA_DIR": "/data",
        "MAXAI_ITEM": '{"region": "eu"}',
        "MAXAI_RUN_PARAMS": '{"top_stores": 4}',
    }
    task = current_task(environment)
    assert task.output_path() == "/data/out/totals/ds=2026-02-10/region=eu"
    assert task.input_path("eu", dated=True) == f"/data/{EU_FORECAST}/ds=2026-02-10"
    assert task.args == {"x": 1, "region": "eu"}
    assert task.run_params == {"top_stores": 4}


# --- mistakes -----------------------------------------------------------------------------------------


def _validate(root: Path) -> list[Problem]:
    refs = discover_objectives(root)
    problems, _ = check_objectives(root, refs, deep=False)
    return problems


def _one(problems: list[Problem], fragment: str) -> Problem:
    found = [problem for problem in problems if fragment in problem.message]
    assert len(found) == 1, [str(problem) for problem in problems]
    assert found[0].line is not None
    return found[0]


def test_a_schedule_waiting_for_data_no_objective_writes(example_repo: Path, edit_json: Callable[..., Path]) -> None:
    edit_json(REVIEW, lambda data: data["@dag"]["schedule"]["assets"].__setitem__(1, US_FORECAST + "s"))
    problem = _one(_validate(example_repo), "which no objective writes")
    assert problem.file == REVIEW and problem.path == ("@dag", "schedule", "assets", 1)
    assert f"did you mean '{US_FORECAST}'" in problem.message and '{"external":' in problem.message


def test_external_assets_are_not_checked_but_must_be_external(
    example_repo: Path, edit_json: Callable[..., Path]
) -> None:
    edit_json(REVIEW, lambda data: data["@dag"]["schedule"]["assets"].__setitem__(1, {"external": "s3a://x/y"}))
    assert _validate(example_repo) == []
    edit_json(REVIEW, lambda data: data["@dag"]["schedule"]["assets"].__setitem__(1, {"external": US_FORECAST}))
    problem = _one(_validate(example_repo), "is declared external")
    assert problem.path == ("@dag", "schedule", "assets", 1, "external")


def test_two_objectives_writing_one_folder(example_repo: Path, edit_json: Callable[..., Path]) -> None:
    edit_json(REVIEW, lambda data: data["rank_stores"].update(output=EU_FORECAST))
    problem = _one(_validate(example_repo), "is also written by")
    assert problem.file == REVIEW and problem.path == ("rank_stores", "output")
    assert "retail.demand_forecast.stores_eu / forecast_demand" in problem.message


def test_objectives_triggering_each_other_in_a_cycle(example_repo: Path, edit_json: Callable[..., Path]) -> None:
    edit_json(STORES_EU, lambda data: data["@dag"].update(schedule={"assets": ["out/retail/forecast_review/review"]}))
    problem = _one(_validate(example_repo), "cycle")
    assert (
        "retail.demand_forecast.stores_eu -> retail.forecast_review.daily -> retail.demand_forecast.stores_eu"
        in problem.message
        or "retail.forecast_review.daily -> retail.demand_forecast.stores_eu -> retail.forecast_review.daily"
        in problem.message
    )


def test_an_objective_waiting_for_its_own_output(example_repo: Path, edit_json: Callable[..., Path]) -> None:
    edit_json(REVIEW, lambda data: data["@dag"]["schedule"]["assets"].append("out/retail/forecast_review/review"))
    problem = _one(_validate(example_repo), "cycle")
    assert problem.path == ("@dag", "schedule", "assets", 2)
    assert "retail.forecast_review.daily -> retail.forecast_review.daily" in problem.message


def test_validating_one_objective_still_checks_it_against_the_others(
    example_repo: Path, edit_json: Callable[..., Path]
) -> None:
    edit_json(REVIEW, lambda data: data["rank_stores"].update(output=EU_FORECAST))
    refs = discover_objectives(example_repo)
    review = [ref for ref in refs if ref.usecase == "forecast_review"]
    problems, status = check_objectives(example_repo, review, deep=False, everything=refs)
    assert len(problems) == 1 and status == {"retail.forecast_review.daily": "1 problem(s)"}


MISTAKES = [
    # what is written into the review objective's py_config.json, the JSON path, a fragment of the message
    (lambda d: d["@dag"]["params"]["top_stores"].update(default="3"), ("@dag", "params", "top_stores"), "default"),
    (
        lambda d: d["@dag"]["params"]["top_stores"].update(minimun=1),
        ("@dag", "params", "top_stores", "minimun"),
        "minimum",
    ),
    (lambda d: d["@dag"]["params"].update(date={"type": "string"}), ("@dag", "params"), "already has"),
    (
        lambda d: d["@dag"]["params"]["top_stores"].pop("default") and None,
        ("@dag", "params", "top_stores"),
        "no default",
    ),
    (
        lambda d: d["@dag"]["params"]["top_stores"].update(items={"type": "strng"}),
        ("@dag", "params", "top_stores"),
        "JSON Schema",
    ),
    (lambda d: d["@dag"]["params"].update({"top stores": {"type": "string"}}), ("@dag", "params", "top stores"), ""),
    (lambda d: d["summarise_region"]["for_each"].update(channel=["a"]), ("summarise_region", "for_each"), "one key"),
    (lambda d: d["summarise_region"]["for_each"]["region"].append("eu"), ("summarise_region", "for_each"), "twice"),
    (
        lambda d: d["summarise_region"]["for_each"]["region"].append("e u"),
        ("summarise_region", "for_each", "region", 2),
        "",
    ),
    (lambda d: d["summarise_region"].update(args={"region": "eu"}), ("summarise_region", "for_each", "region"), "args"),
    (
        lambda d: d["@dag"]["schedule"]["assets"].__setitem__(0, "../x"),
        ("@dag", "schedule", "assets", 0),
        "relative path",
    ),
    (lambda d: d["@dag"]["schedule"].update(cron="@once"), ("@dag", "schedule"), "cannot be combined"),
    (lambda d: d["@dag"]["schedule"].update(assets=[]), ("@dag", "schedule"), "lists no asset"),
]


@pytest.mark.parametrize(("change", "path", "fragment"), MISTAKES)
def test_mistakes_name_file_line_and_place(
    example_repo: Path,
    edit_json: Callable[..., Path],
    change: Callable[[Any], None],
    path: tuple[Any, ...],
    fragment: str,
) -> None:
    edit_json(REVIEW, change)
    with pytest.raises(ConfigError) as raised:
        load_objective(example_repo, "retail", "forecast_review", "daily", use_cache=False)
    problems = raised.value.problems
    assert any(
        problem.file == REVIEW and problem.path[: len(path)] == path and fragment in problem.message and problem.line
        for problem in problems
    ), [str(problem) for problem in problems]


def test_lineage_graph_draws_objectives_and_the_data_between_them(repo: Path) -> None:
    from maxai.cli.diagram import mermaid
    from maxai.cli.graph import lineage_diagram
    from maxai.config.data_lineage import objective_data

    objectives = [objective_data(load_objective(repo, *ref.parts)) for ref in discover_objectives(repo)]
    diagram = lineage_diagram(objectives)
    edges = {(edge.source, edge.target): edge.label for edge in diagram.edges}
    assert edges[("retail.demand_forecast.stores_eu", "retail.forecast_review.daily")] == f"{EU_FORECAST} (triggers)"
    assert edges[("data: retail/sales.csv", "retail.store_segments.weekly")] == "retail/sales.csv"
    assert {node.name for node in diagram.nodes} >= {ref.dag_id for ref in discover_objectives(repo)}
    assert "retail.forecast_review.daily" in mermaid(diagram)


def test_lineage_graph_from_the_command_line(example_repo: Path, edit_json: Callable[..., Path]) -> None:
    import subprocess
    import sys

    def graph(*arguments: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "maxai.cli.main", "graph", *arguments]
        return subprocess.run(command, cwd=example_repo, capture_output=True, text=True, check=False)

    drawn = graph("--lineage", "--format", "dot")
    assert drawn.returncode == 0 and '"retail.forecast_review.daily"' in drawn.stdout
    assert graph("--lineage", "retail").returncode == 2
    edit_json(REVIEW, lambda data: data["@dag"].update(schedule=5))
    broken = graph("--lineage")
    assert broken.returncode == 1 and "retail.forecast_review.daily" in broken.stderr
