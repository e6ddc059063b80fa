"""The POSIX ``sh`` wrapper every Kubeflow container starts with: Kubeflow resolves its placeholders (the run's
parameters, its schedule time) in a container's command and arguments but not in its environment, so the wrapper
takes them as its first arguments and turns them into the MAXAI_* run variables, as the Airflow templates do."""

from __future__ import annotations

import shlex

from maxai.render.environment import ASSET_TRIGGERED, RUN_TYPE_PARAM
from maxai.render.spark import DRIVER_ENV_CONF
from maxai.runtime.context import (
    DATE_PARAM,
    ENV_DATE_SOURCE,
    ENV_RUN_DATE,
    ENV_RUN_ID,
    ENV_RUN_TIME,
    ENV_RUN_TYPE,
    FORCE_ENV,
    FORCE_PARAM,
)

SCHEDULE_TIME_INPUT = "schedule_time"
RUN_ID_INPUT = "run_id"
RUNTIME_INPUTS = {  # Kubeflow's placeholders: the recurring run's scheduled time (a manual run's creation time)
    SCHEDULE_TIME_INPUT: "{{$.pipeline_job_schedule_time_utc}}",
    RUN_ID_INPUT: "{{$.pipeline_job_uuid}}",
}
WRAPPER_INPUTS = (DATE_PARAM, FORCE_PARAM, RUN_TYPE_PARAM, SCHEDULE_TIME_INPUT, RUN_ID_INPUT)
EXPORTED_RUN_VARIABLES = (ENV_RUN_TIME, ENV_RUN_DATE, ENV_DATE_SOURCE, FORCE_ENV, ENV_RUN_TYPE, ENV_RUN_ID)


def run_variables_script(zone: str | None = None) -> str:
    """Sets the run's variables. Arguments: date, force, run type, schedule time, run id, then the task's own
    command and arguments. With ``zone`` (an objective partitioned by day in a time zone), a run given no date
    processes the day of its schedule time in that zone, as on Airflow; the ``date`` param is taken as it is. A run
    the Sensor of an objective scheduled on assets created (run type ``asset_triggered``) processes its event's
    date, which the Sensor gives as ``date``: an ``asset event``'s, as on Airflow."""
    if zone is None:
        run_date = f'{ENV_RUN_DATE}=$(printf %.10s "${ENV_RUN_TIME}")\n'
    else:
        run_date = (
            f'if [ -n "$1" ]; then {ENV_RUN_DATE}=$(printf %.10s "${ENV_RUN_TIME}")\n'
            f'else {ENV_RUN_DATE}=$(TZ={shlex.quote(zone)} date -d "${ENV_RUN_TIME}" +%Y-%m-%d) || '
            f'{{ echo "maxai: cannot take the date of ${ENV_RUN_TIME} in {zone}" >&2; exit 1; }}; fi\n'
        )
    return f"""\
if [ -n "$1" ]; then {ENV_RUN_TIME}=$1 {ENV_DATE_SOURCE}='date param'
else {ENV_RUN_TIME}=$4 {ENV_DATE_SOURCE}='schedule time'; fi
case $3 in {ASSET_TRIGGERED}) {ENV_DATE_SOURCE}='asset event' ;; esac
{run_date}case $2 in true|True|1) {FORCE_ENV}=1 ;; *) {FORCE_ENV}= ;; esac
{ENV_RUN_TYPE}=$3 {ENV_RUN_ID}=$5
export {" ".join(EXPORTED_RUN_VARIABLES)}
shift 5
"""


def wrapper_script(
    spark: bool, extra: tuple[str, ...] = (), zone: str | None = None, pod_end: str = 'exec "$@"\n'
) -> str:
    """The wrapper; each name of ``extra`` (``MAXAI_ITEM`` of a ``for_each`` task, ``MAXAI_RUN_PARAMS``) takes one
    more argument after the run's. A Spark task's driver gets them all as spark.kubernetes.driverEnv.*. ``zone``:
    see :func:`run_variables_script`. ``pod_end``: how a pod runs its command (kubeflow_env_from)."""
    script = run_variables_script(zone) + "".join(f"{name}=$1\nexport {name}\nshift\n" for name in extra)
    if not spark:
        return script + pod_end
    conf = " ".join(f'--conf "{DRIVER_ENV_CONF}{name}=${name}"' for name in (*EXPORTED_RUN_VARIABLES, *extra))
    return script + f'submit=$1\nshift\nexec "$submit" {conf} "$@"\n'


POD_SCRIPT = wrapper_script(spark=False)
SPARK_SCRIPT = wrapper_script(spark=True)
