from django.apps import AppConfig


class WebuiConfig(AppConfig):
    name = "webui"
    verbose_name = "CORS Check"

    def ready(self) -> None:
        from django.db.models.signals import post_delete

        from webui import report_pages
        from webui.models import Scan

        def forget_page(sender, instance: Scan, **kwargs) -> None:
            report_pages.forget(instance.token)

        post_delete.connect(forget_page, sender=Scan, weak=False, dispatch_uid="forget-report-page")
