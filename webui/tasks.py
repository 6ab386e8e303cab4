"""Celery tasks: thin wrappers that load a row, call the engine and store what came back."""

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

import checker
from webui.models import Scan
from webui.options import options_from_settings

log = logging.getLogger(__name__)

CRASH_MESSAGE = "Something went wrong on our side while checking this site. Please try again."


@shared_task
def run_scan(scan_id: int) -> None:
    scan = Scan.objects.claim(scan_id)
    if scan is None:
        return  # another delivery is running it, or it has already ended
    try:
        report = checker.scan(
            scan.target_url, options_from_settings(scan.frontend_origin, scan.profile)
        )
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
