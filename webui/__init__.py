"""The Django project and its one app: pages, scans, the Celery tasks that run the checker."""

# Loading the Celery app with Django makes delay_on_commit publish through our configuration.
from webui.celery import app as celery_app

__all__ = ["celery_app"]
