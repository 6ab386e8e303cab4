from django.contrib import admin

from webui.models import Scan, Site


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ("host", "created")
    search_fields = ("host",)


@admin.register(Scan)
class ScanAdmin(admin.ModelAdmin):
    list_display = ("token", "target_url", "status", "grade", "score", "attempts", "created")
    list_filter = ("status", "grade")
    search_fields = ("token", "target_url", "site__host")
    raw_id_fields = ("site",)
    readonly_fields = ("token", "created", "started", "finished", "report", "algorithm_version")
