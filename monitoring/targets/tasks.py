"""Celery tasks of collection (queue `collect`). Thin: each calls one function.

The names start with `monitoring.tasks.collect_` so the routing in itops/celery.py sends them to
the `collect` queue; this module is imported by MonitoringConfig.ready().
"""

from celery import shared_task

from monitoring.targets.models import Target

# A hard stop well past the target's own timeout, in case a collector hangs in a system call.
TASK_TIME_MARGIN_SECONDS = 30


@shared_task(name="monitoring.tasks.collect_dispatch_task", ignore_result=True)
def collect_dispatch_task():
    from monitoring.targets.schedule import dispatch_due_targets

    return dispatch_due_targets()


@shared_task(name="monitoring.tasks.collect_target_task", ignore_result=True)
def collect_target_task(target_id: int):
    from monitoring.targets.runner import run_target

    result = run_target(target_id=target_id)
    return None if result is None else result.success


@shared_task(name="monitoring.tasks.collect_sync_cmdb_targets_task", ignore_result=True)
def collect_sync_cmdb_targets_task():
    from monitoring.targets.discovery import sync_targets_from_cmdb

    return sync_targets_from_cmdb().as_dict()


def enqueue_collection(target: Target, *, expires: bool = True) -> None:
    """One run of `target`, in its own task with its own time limit. Scheduled runs expire
    after one interval (a backlog never runs a target twice in a row); a run asked for by a
    person does not."""
    limit = target.timeout_seconds + TASK_TIME_MARGIN_SECONDS
    collect_target_task.apply_async(
        args=[target.id],
        expires=target.interval_seconds if expires else None,
        soft_time_limit=limit,
        time_limit=limit + 5,
    )
