"""Celery tasks: thin wrappers that load a row, call the engine and store what came back."""

import asyncio
import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

import checker
from checker.live import simulate_live
from checker.simulate import SimRequest
from webui.models import Scan, Simulation
from webui.options import options_from_settings

log = logging.getLogger(__name__)

CRASH_MESSAGE = "Something went wrong on our side while checking this site. Please try again."


@shared_task
def run_scan(scan_id: int) -> None:
    scan = Scan.objects.claim(scan_id)
    if scan is None:
        return  # another delivery is running it, or it has already ended
    try:
        report = checker.scan(scan.target_url, options_from_settings(scan.frontend_origin))
    except SoftTimeLimitExceeded:
        limit = settings.SCAN_SOFT_TIME_LIMIT
        scan.fail(f"The scan went over its time limit ({limit} s), so we stopped it.")
    except Exception:
        log.exception("scan %s crashed", scan.token)
        scan.fail(CRASH_MESSAGE)
    else:
        scan.finish(report)


@shared_task
def reap_stale_scans() -> int:
    return Scan.objects.reap_stale()


SIMULATION_CRASH_MESSAGE = (
    "Something went wrong on our side while asking the site. Please try again."
)
NO_FINAL_URL_MESSAGE = "The scan this question is about has no final URL to ask."


@shared_task(
    acks_late=True,
    soft_time_limit=settings.SIMULATE_SOFT_TIME_LIMIT,
    time_limit=settings.SIMULATE_TIME_LIMIT,
)
def run_simulation(simulation_id: int) -> None:
    simulation = Simulation.objects.claim(simulation_id)
    if simulation is None:
        return  # another delivery is running it, or it has already ended
    request = simulation_request(simulation)
    if request is None:
        simulation.fail(NO_FINAL_URL_MESSAGE)
        return
    try:
        result = asyncio.run(simulate_live(request, options_from_settings()))
    except SoftTimeLimitExceeded:
        limit = settings.SIMULATE_SOFT_TIME_LIMIT
        simulation.fail(f"The simulation went over its time limit ({limit} s), so we stopped it.")
    except Exception:
        log.exception("simulation %s crashed", simulation.token)
        simulation.fail(SIMULATION_CRASH_MESSAGE)
    else:
        simulation.finish(result.to_dict())


def simulation_request(simulation: Simulation) -> SimRequest | None:
    """The fetch() the row describes, aimed at the scan's final URL."""
    report = simulation.scan.engine_report
    url = report.final_url if report is not None else None
    if url is None:
        return None
    return SimRequest(
        origin=simulation.origin,
        url=url,
        method=simulation.method,
        headers=tuple((str(name), str(value)) for name, value in simulation.headers),
        credentials="include" if simulation.credentials else "same-origin",
    )


@shared_task
def reap_stale_simulations() -> int:
    return Simulation.objects.reap_stale()
