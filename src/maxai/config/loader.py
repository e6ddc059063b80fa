"""Load, layer and validate the configs of one objective, collecting every problem."""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from maxai.config import cache
from maxai.config.diagnostics import did_you_mean, problems_from_validation
from maxai.config.graph import order_tasks
from maxai.config.handlers import handler_problem, runs_maxai_runtime
from maxai.config.jsonfile import locate, read_config_file
from maxai.config.k8s_rules import pod_problems
from maxai.config.k8s_schema import check_k8s_object
from maxai.config.layering import Layer, merge_config, overlay_task_problems, trace_source
from maxai.config.layout import (
    CONFIG_FILES,
    CONFIGS_DIR,
    KUBEPOD_CONFIG,
    PY_CONFIG,
    SPARK_CONFIG,
    USECASES_DIR,
    ObjectiveRef,
    inside,
    list_dirs,
    real_path,
)
from maxai.config.models import (
    DAG_SECTION,
    K8S_OBJECT_FIELDS,
    KubePodConfigFile,
    PyConfigFile,
    SparkConfigFile,
    SparkSubmitConf,
    TaskParams,
)
from maxai.config.objective import ObjectiveConfig, ResolvedTask
from maxai.config.secrets import find_plaintext_secrets
from maxai.errors import ConfigError, JsonPath, Problem

# spark-submit flags spelled with dashes (num-executors) name the same operator argument.
_SPARK_ARGUMENTS = frozenset(SparkSubmitConf.model_fields)
SPARK_PATH_ARGUMENTS = ("application", "py_files", "files", "archives", "jars", "properties_file", "keytab")
URI_SCHEMES = ("local", "s3", "s3a", "s3n", "gs", "hdfs", "abfs", "abfss", "wasb", "wasbs", "oci", "http", "https")


class _Collector:
    """Problems from several files, each traced back to its own file and position."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, layers: list[Layer], merged_path: JsonPath, message: str) -> None:
        layer, path = trace_source(layers, merged_path)
        line, column = locate(layer.text, path)
        self.problems.append(Problem(layer.display, path, message, line, column))

    def add_validation(self, layers: list[Layer], error: ValidationError, data: Any, model: type[BaseModel]) -> None:
        for path, message in problems_from_validation(error, data, model):
            self.add(layers, path, message)

    def raise_if_any(self) -> None:
        if self.problems:
            raise ConfigError(self.problems)


def _display(root: Path, path: Path | str) -> str:
    """``path`` relative to the root, as users see it in the repository."""
    text, prefix = str(path), str(root) + os.sep
    if text.startswith(prefix):
        return text[len(prefix) :].replace(os.sep, "/")
    return text


def _normalise_spark_keys(data: Any, layer_name: str, text: str, problems: list[Problem]) -> Any:
    """``num-executors`` -> ``num_executors`` for known arguments; both spellings at once is an error."""
    if not isinstance(data, dict) or not isinstance(data.get("tasks"), list):
        return data
    tasks = []
    for index, task in enumerate(data["tasks"]):
        submit = task.get("spark_submit_conf") if isinstance(task, dict) else None
        if not isinstance(submit, dict):
            tasks.append(task)
            continue
        normalised: dict[str, Any] = {}
        for key, value in submit.items():
            canonical = key.replace("-", "_")
            target = canonical if canonical in _SPARK_ARGUMENTS else key
            if target in normalised:
                path: JsonPath = ("tasks", index, "spark_submit_conf", key)
                line, column = locate(text, path)
                problems.append(
                    Problem(layer_name, path, f"{key!r} is given twice (also as {target!r}); keep one", line, column)
                )
            normalised[target] = value
        tasks.append({**task, "spark_submit_conf": normalised})
    return {**data, "tasks": tasks}


def _drop_unset(mapping: Any) -> Any:
    """An empty string means "not set" (the conventions' ``"py_files": ""``)."""
    if not isinstance(mapping, dict):
        return mapping
    return {key: value for key, value in mapping.items() if value != ""}


def _clean_spark(data: Any) -> Any:
    if not isinstance(data, dict):
        return data
    cleaned = dict(data)
    if "conf" in cleaned:
        cleaned["conf"] = _drop_unset(cleaned["conf"])
    if isinstance(cleaned.get("tasks"), list):
        tasks = []
        for task in cleaned["tasks"]:
            if isinstance(task, dict) and isinstance(task.get("spark_submit_conf"), dict):
                submit = _drop_unset(task["spark_submit_conf"])
                if "conf" in submit:
                    submit["conf"] = _drop_unset(submit["conf"])
                task = {**task, "spark_submit_conf": submit}
            tasks.append(task)
        cleaned["tasks"] = tasks
    return cleaned


def _clean_kubepod(data: Any) -> Any:
    if not isinstance(data, dict) or not isinstance(data.get("tasks"), list):
        return data
    tasks = [
        {**task, "conf": _drop_unset(task["conf"])}
        if isinstance(task, dict) and isinstance(task.get("conf"), dict)
        else task
        for task in data["tasks"]
    ]
    return {**data, "tasks": tasks}


def _merge_layers(layers: list[Layer]) -> Any:
    merged = layers[0].data
    for layer in layers[1:]:
        merged = merge_config(merged, layer.data)
    return merged


SectionModel = TypeVar("SectionModel", bound=BaseModel)


def _validate(
    collector: _Collector, layers: list[Layer], model: type[SectionModel], clean: Callable[[Any], Any]
) -> tuple[SectionModel | None, Any]:
    data = clean(_merge_layers(layers))
    try:
        return model.model_validate(data), data
    except ValidationError as error:
        collector.add_validation(layers, error, data, model)
        return None, data


def _is_uri(value: str) -> bool:
    scheme, sep, _ = value.partition("://")
    return bool(sep) and scheme.lower() in URI_SCHEMES


def _check_code_path(value: str, root: Path, code_dir: Path, stamps: dict[str, int] | None = None) -> str | None:
    """Problem with a path-valued Spark argument, or None. Relative paths are under the use case's code folder.

    Memoised per process; the folder's modification time is part of the key, so adding or
    removing the file (or a link in its place) is noticed. ``stamps`` shares folder times between calls.
    """
    folder = os.path.dirname(os.path.join(code_dir, value)) if "\x00" not in value else str(code_dir)
    stamp = stamps.get(folder) if stamps is not None else None
    if stamp is None:
        try:
            stamp = os.stat(folder).st_mtime_ns
        except (OSError, ValueError):
            stamp = -1
        if stamps is not None:
            stamps[folder] = stamp
    return _check_code_path_uncached(value, root, code_dir, stamp)


_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")


def _classify_path(value: str) -> tuple[str, str | None]:
    """("uri" | "local" | "bad", problem): what kind of path setting ``value`` is."""
    if "\x00" in value:
        return "bad", "a path cannot contain a NUL character"
    if _is_uri(value):
        return "uri", None
    if "://" in value:
        return "bad", f"{value!r}: unsupported URI scheme; use one of {', '.join(URI_SCHEMES)}"
    if value.startswith(("/", "\\")) or _WINDOWS_DRIVE.match(value):
        return "bad", None
    return "local", None


@functools.lru_cache(maxsize=4096)
def _check_code_path_uncached(value: str, root: Path, code_dir: Path, folder_stamp: int) -> str | None:
    kind, problem = _classify_path(value)
    if kind == "uri" or problem:
        return problem
    if kind == "bad":  # absolute
        return (
            f"{value!r} is an absolute path; give a path relative to {_display(root, code_dir)}/ "
            "or a URI such as local:///opt/app/main.py"
        )
    target = code_dir / value
    try:
        if not inside(target, root):
            return f"{value!r} leads outside the repository"
        if not target.exists():
            return f"{value!r} not found (looked for {_display(root, target)})"
        if target.is_dir():
            return f"{value!r} is a folder ({_display(root, target)}); spark-submit takes a file here"
    except (OSError, ValueError) as error:  # NUL bytes, names longer than the filesystem allows, link loops
        return f"{value!r} is not a usable path ({error})"
    return None


def _check_data_path(value: str) -> str | None:
    if "{{" in value or "{%" in value:
        return (
            f"{value!r}: py_config paths are not templated (the folder would be named literally); "
            "the run's partition (ds=<date>) is added to outputs by output_path()"
        )
    kind, problem = _classify_path(value)
    if kind == "uri" or problem:
        return problem
    parts = [part for part in value.replace("\\", "/").split("/") if part not in ("", ".")]
    if kind == "bad" or ".." in parts:
        return f"{value!r} must be a relative path inside the data folder (no '..', not absolute) or a URI such as s3a://bucket/key"
    if not parts:
        return f"{value!r} is the data folder itself; name a folder inside it, such as 'out/<usecase>/<task>'"
    return None


def _json_files(root: Path, folder: Path, problems: list[Problem]) -> frozenset[str]:
    """Names of the config files in ``folder``; any other ``.json`` file there is a problem (likely a typo)."""
    try:
        stamp = os.stat(folder).st_mtime_ns
    except OSError:
        return frozenset()
    found, stray = _list_json_files(root, folder, stamp)
    problems.extend(stray)
    return found


@functools.lru_cache(maxsize=4096)
def _list_json_files(root: Path, folder: Path, folder_stamp: int) -> tuple[frozenset[str], tuple[Problem, ...]]:
    # Memoised by the folder's modification time, which changes whenever an entry is added or removed.
    found: set[str] = set()
    problems: list[Problem] = []
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError:
        return frozenset(), ()
    for entry in entries:
        if not entry.name.endswith(".json") or not entry.is_file():
            continue
        if entry.name in CONFIG_FILES:
            found.add(entry.name)
        else:
            hint = did_you_mean(entry.name, CONFIG_FILES) or f" (expected one of {', '.join(CONFIG_FILES)})"
            problems.append(Problem(_display(root, Path(entry.path)), (), f"unknown config file{hint}"))
    return frozenset(found), tuple(problems)


_LayerKey = tuple[str, int, int, int]
_LAYER_CACHE: dict[str, tuple[_LayerKey, Layer | None, list[Problem]]] = {}


def _read_layer(path: str, display: str, is_spark: bool, configs_real: str) -> tuple[Layer | None, list[Problem]]:
    """One config file, parsed and checked on its own; memoised per process while the file is unchanged.

    A use case's files are shared by all its objectives, so a DagBag reads each of them once.
    """
    try:
        status = os.stat(path)
    except OSError as error:
        return None, [Problem(display, (), f"cannot read file: {error.strerror or error}")]
    key: _LayerKey = (display, status.st_mtime_ns, status.st_size, status.st_ino)
    cached = _LAYER_CACHE.get(path)
    if cached is not None and cached[0] == key:
        return cached[1], cached[2]
    problems: list[Problem] = []
    layer: Layer | None = None
    # Its folders were checked already (see _objective_folders): only a link here can lead out.
    real = os.path.realpath(path) if os.path.islink(path) else configs_real + os.sep
    if not real.startswith(configs_real + os.sep):
        problems.append(Problem(display, (), "is a link leading outside maxaiconfigs/"))
    else:
        try:
            data, text = read_config_file(Path(path), display)
        except ConfigError as error:
            problems.extend(error.problems)
        else:
            if not isinstance(data, dict):
                problems.append(Problem(display, (), "the file must hold a JSON object", 1, 1))
            else:
                if is_spark:
                    data = _normalise_spark_keys(data, display, text, problems)
                layer = Layer(display, data, text)
                for secret_path, message in find_plaintext_secrets(data):
                    line, column = locate(text, secret_path)
                    problems.append(Problem(display, secret_path, message, line, column))
    _LAYER_CACHE[path] = (key, layer, problems)
    return layer, problems


def _read_layers(root: Path, folders: list[Path], problems: list[Problem]) -> tuple[dict[str, list[Layer]], bool]:
    """The layers of each config file, and whether every present file could be parsed."""
    layers: dict[str, list[Layer]] = {}
    complete = True
    configs_real = real_path(root / CONFIGS_DIR)
    present = [_json_files(root, folder, problems) for folder in folders]
    for file_name in CONFIG_FILES:
        found = []
        for folder, names in zip(folders, present, strict=True):
            if file_name not in names:
                continue
            path = os.path.join(folder, file_name)
            layer, layer_problems = _read_layer(path, _display(root, path), file_name == SPARK_CONFIG, configs_real)
            problems.extend(layer_problems)
            if layer is not None:
                found.append(layer)
            else:
                complete = False
        if found:
            layers[file_name] = found
    return layers, complete


def _objective_folders(root: Path, ref: ObjectiveRef) -> tuple[Path, Path]:
    configs = root / CONFIGS_DIR
    usecase_dir = configs / ref.domain / ref.usecase
    objective_dir = usecase_dir / ref.objective
    if not os.path.isdir(objective_dir):
        where, name, kind = configs, ref.domain, "domain"
        if (configs / ref.domain).is_dir():
            where, name, kind = configs / ref.domain, ref.usecase, "use case"
            if usecase_dir.is_dir():
                where, name, kind = usecase_dir, ref.objective, "objective"
        hint = did_you_mean(name, list_dirs(where))
        raise ConfigError.single(
            _display(root, where / name), (), f"{kind} folder {_display(root, where / name)}/ not found{hint}"
        )
    configs_real = real_path(configs)
    links = any(os.path.islink(folder) for folder in (configs / ref.domain, usecase_dir, objective_dir))
    objective_real = os.path.realpath(objective_dir) if links else os.path.join(configs_real, *ref.parts)
    if not objective_real.startswith(configs_real + os.sep):
        raise ConfigError.single(_display(root, objective_dir), (), "is a link leading outside maxaiconfigs/")
    return usecase_dir, objective_dir


def load_objective(root: Path, domain: str, usecase: str, objective: str, *, use_cache: bool = True) -> ObjectiveConfig:
    """Read only this objective's files (and its use case's), layer, validate and resolve them.

    With ``use_cache``, an unchanged objective that was valid before comes from the disk
    cache (see maxai.config.cache); ``maxai validate`` always checks for real.
    """
    ref = ObjectiveRef(domain, usecase, objective)
    root = Path(real_path(root))
    if use_cache:
        cached = cache.lookup(root, ref)
        if cached is not None:
            return cached
    depends_on: list[str] = []
    config = _load_uncached(root, ref, depends_on)
    if use_cache:
        cache.store(config, depends_on)
    return config


def _load_uncached(root: Path, ref: ObjectiveRef, depends_on: list[str]) -> ObjectiveConfig:
    """The full load; ``depends_on`` receives every path whose state the result depends on."""
    usecase_dir, objective_dir = _objective_folders(root, ref)
    code_dir = root / USECASES_DIR / ref.domain / ref.usecase
    depends_on.extend([str(usecase_dir), str(objective_dir)])
    depends_on.extend(os.path.join(folder, name) for folder in (usecase_dir, objective_dir) for name in CONFIG_FILES)

    read_problems: list[Problem] = []
    layers, complete = _read_layers(root, [usecase_dir, objective_dir], read_problems)
    if not complete:
        # a file that cannot be parsed would make every check of the merged result misleading
        raise ConfigError(read_problems)

    collector = _Collector()
    collector.problems.extend(read_problems)  # stray files, credentials: reported with everything else
    spark_layers = layers.get(SPARK_CONFIG, [])
    kubepod_layers = layers.get(KUBEPOD_CONFIG, [])
    py_layers = layers.get(PY_CONFIG, [])
    for file_layers in (spark_layers, kubepod_layers):
        if len(file_layers) == 2:
            overlay = file_layers[1]
            for path, message in overlay_task_problems(file_layers[0].data, overlay.data):
                line, column = locate(overlay.text, path)
                collector.problems.append(Problem(overlay.display, path, message, line, column))
    spark: SparkConfigFile | None = None
    kubepod: KubePodConfigFile | None = None
    if spark_layers:
        spark = _validated_section(collector, spark_layers, SparkConfigFile, _clean_spark)
        if spark is not None:
            _check_spark_paths(collector, spark_layers, spark, root, code_dir, depends_on)
    if kubepod_layers:
        kubepod = _validated_section(collector, kubepod_layers, KubePodConfigFile, _clean_kubepod, _check_k8s_objects)
    if not spark_layers and not kubepod_layers:
        collector.problems.append(
            Problem(
                _display(root, objective_dir) + "/",
                (),
                f"no tasks: add {SPARK_CONFIG} or {KUBEPOD_CONFIG} to the use case or objective folder",
            )
        )
    py_config: PyConfigFile | None = PyConfigFile.model_validate({})
    if py_layers:
        py_config, _ = _validate(collector, py_layers, PyConfigFile, lambda data: data)
        if py_config is not None:
            _check_data_paths(collector, py_layers, py_config)
    if py_config is None or (spark_layers and spark is None) or (kubepod_layers and kubepod is None):
        collector.raise_if_any()  # without valid files there is nothing to resolve tasks from
    assert py_config is not None

    tasks = _resolve_tasks(
        collector, spark_layers, spark, kubepod_layers, kubepod, py_layers, py_config, root, code_dir
    )
    _check_handlers(collector, tasks, py_layers, kubepod_layers, str(root / USECASES_DIR / ref.domain), depends_on)
    collector.raise_if_any()
    files = tuple(layer.display for file_layers in layers.values() for layer in file_layers)
    return ObjectiveConfig(ref=ref, root=root, dag=py_config.dag, tasks=tasks, files=files)


_SECTIONS: dict[tuple[Any, ...], tuple[Any, list[Problem]]] = {}


def _validated_section(
    collector: _Collector,
    layers: list[Layer],
    model: type[SectionModel],
    clean: Callable[[Any], Any],
    check: Callable[[_Collector, list[Layer], Any], None] | None = None,
) -> SectionModel | None:
    """Validate a Spark or pod file (layered), then ``check`` the cleaned data; memoised by the file versions.

    Objectives of a use case usually share its spark_config and kubepod_config unchanged, so a
    DagBag or ``maxai validate`` checks each combination once.
    """
    key = (model.__name__, *(layer.version for layer in layers))
    if key not in _SECTIONS:
        section = _Collector()
        validated, data = _validate(section, layers, model, clean)
        if validated is not None and check is not None:
            check(section, layers, data)
        if len(_SECTIONS) > 4096:
            _SECTIONS.clear()
        _SECTIONS[key] = (validated, section.problems)
    validated, problems = _SECTIONS[key]
    collector.problems.extend(problems)
    return validated  # type: ignore[no-any-return]


def _check_spark_paths(
    collector: _Collector,
    layers: list[Layer],
    spark: SparkConfigFile,
    root: Path,
    code_dir: Path,
    depends_on: list[str],
) -> None:
    stamps: dict[str, int] = {}
    code_folder = str(code_dir)
    for index, task in enumerate(spark.tasks):
        for argument in SPARK_PATH_ARGUMENTS:
            value = getattr(task.spark_submit_conf, argument)
            if value is None:
                continue
            for item in _path_items(argument, value):
                if not _is_uri(item) and "\x00" not in item:
                    target = os.path.join(code_folder, item)
                    depends_on.extend([target, os.path.dirname(target)])
                problem = _check_code_path(item, root, code_dir, stamps)
                if problem:
                    collector.add(layers, ("tasks", index, "spark_submit_conf", argument), problem)


def _check_data_paths(collector: _Collector, layers: list[Layer], py_config: PyConfigFile) -> None:
    for name, params in py_config.task_params.items():
        for setting in ("input", "output"):
            value = getattr(params, setting)
            places = value.items() if isinstance(value, dict) else [(None, value)] if value is not None else []
            for key, item in places:
                problem = _check_data_path(item)
                if problem:
                    path: JsonPath = (name, setting) if key is None else (name, setting, key)
                    collector.add(layers, path, problem)


def _check_k8s_objects(collector: _Collector, layers: list[Layer], data: Any) -> None:
    for index, task in enumerate(data["tasks"]):
        for argument, (definition, is_list) in K8S_OBJECT_FIELDS.items():
            value = task["conf"].get(argument)
            if value is None:
                continue
            for relative, message in check_k8s_object(value, definition, is_list):
                collector.add(layers, ("tasks", index, "conf", argument, *relative), message)
        for relative, message in pod_problems(task["conf"]):
            collector.add(layers, ("tasks", index, "conf", *relative), message)


def _path_items(argument: str, value: str) -> list[str]:
    """The paths a path-valued Spark argument holds: ``application`` is one, the others are comma lists."""
    return [value] if argument == "application" else value.split(",")


def _absolute_code_paths(arguments: dict[str, Any], code_dir: Path) -> dict[str, Any]:
    resolved = dict(arguments)
    for argument in SPARK_PATH_ARGUMENTS:
        value = resolved.get(argument)
        if isinstance(value, str):
            resolved[argument] = ",".join(
                item if _is_uri(item) else os.path.normpath(os.path.join(code_dir, item))
                for item in _path_items(argument, value)
            )
    return resolved


def _check_handlers(
    collector: _Collector,
    tasks: tuple[ResolvedTask, ...],
    py_layers: list[Layer],
    kubepod_layers: list[Layer],
    domain_dir: str,
    depends_on: list[str],
) -> None:
    """Every handler a task will call exists; no ``function`` is written where nothing calls it."""
    for task in tasks:
        function = task.params.function
        if task.kind == "spark":
            if function is not None:
                collector.add(
                    py_layers,
                    (task.name, "function"),
                    f"{task.name!r} is a Spark task: it runs its application, and 'function' is never called",
                )
            continue
        if function is not None:
            problem = handler_problem(function, domain_dir, depends_on)
            if problem:
                collector.add(py_layers, (task.name, "function"), problem)
        elif runs_maxai_runtime(task.arguments):
            message = (
                f"{task.name!r} runs `python -m maxai.runtime`, which calls the task's 'function' "
                "('module.path:name'); give it one in py_config.json"
            )
            collector.add(py_layers or kubepod_layers, (task.name,) if py_layers else ("tasks",), message)


def _resolve_tasks(
    collector: _Collector,
    spark_layers: list[Layer],
    spark: SparkConfigFile | None,
    kubepod_layers: list[Layer],
    kubepod: KubePodConfigFile | None,
    py_layers: list[Layer],
    py_config: PyConfigFile,
    root: Path,
    code_dir: Path,
) -> tuple[ResolvedTask, ...]:
    entries: list[tuple[str, int, str, dict[str, Any], list[str] | None, list[Layer], int]] = []
    if spark is not None:
        for index, task in enumerate(spark.tasks):
            arguments = task.spark_submit_conf.model_dump(exclude_none=True)
            arguments["conf"] = {**spark.conf, **task.spark_submit_conf.conf}
            arguments.setdefault("name", task.name)
            arguments = _absolute_code_paths(arguments, code_dir)
            entries.append((task.name, task.task_id, "spark", arguments, task.depends_on, spark_layers, index))
    if kubepod is not None:
        for index, pod_task in enumerate(kubepod.tasks):
            arguments = pod_task.conf.model_dump(exclude_none=True)
            entries.append(
                (pod_task.name, pod_task.task_id, "kubepod", arguments, pod_task.depends_on, kubepod_layers, index)
            )

    before = len(collector.problems)
    seen_names: dict[str, str] = {}
    seen_ids: dict[int, str] = {}
    for name, task_id, _, _, _, layers, index in entries:
        if name in seen_names:
            collector.add(
                layers,
                ("tasks", index, "name"),
                f"task name {name!r} is already used by another task ({seen_names[name]})",
            )
        else:
            seen_names[name] = trace_source(layers, ("tasks", index))[0].display
        if task_id in seen_ids:
            collector.add(
                layers, ("tasks", index, "task_id"), f"task_id {task_id} is already used by task {seen_ids[task_id]!r}"
            )
        else:
            seen_ids[task_id] = name
    if len(collector.problems) > before:
        return ()

    params = py_config.task_params
    for key in params:
        if key not in seen_names:
            collector.add(py_layers, (key,), f"no task named {key!r} in this objective{did_you_mean(key, seen_names)}")

    ordered = sorted(entries, key=lambda entry: entry[1])
    declared = {name: depends_on for name, _, _, _, depends_on, _, _ in ordered}
    upstream, graph_problems = order_tasks([name for name, *_ in ordered], declared)
    for name, message in graph_problems:
        for entry_name, _, _, _, _, layers, index in entries:
            if entry_name == name:
                collector.add(layers, ("tasks", index, "depends_on"), message)
    if len(collector.problems) > before:
        return ()
    return tuple(
        ResolvedTask(
            name=name,
            task_id=task_id,
            kind=kind,  # type: ignore[arg-type]
            arguments=arguments,
            upstream=upstream[name],
            params=params.get(name, TaskParams()),
            source=trace_source(layers, ("tasks", index))[0].display,
        )
        for name, task_id, kind, arguments, _, layers, index in ordered
    )


__all__ = ["DAG_SECTION", "load_objective"]
