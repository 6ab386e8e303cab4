from django.contrib import admin
from django.urls import path, register_converter

from webui.converters import HostConverter, TokenConverter
from webui.views import glossary, pages, scans, simulate

register_converter(TokenConverter, "token")
register_converter(HostConverter, "host")

handler404 = "webui.views.errors.not_found"

urlpatterns = [
    path("", pages.home, name="home"),
    path("r/<token:token>/", scans.report, name="report"),
    path("r/<token:token>/simulate/", simulate.simulate, name="simulate"),
    path(
        "r/<token:token>/simulate/<token:simulation_token>/",
        simulate.simulation,
        name="simulation",
    ),
    path("s/<host:host>/", scans.site, name="site"),
    path("scoring/", pages.scoring, name="scoring"),
    path("glossary/", glossary.index, name="glossary"),
    path("glossary/<slug:slug>/", glossary.entry, name="glossary-entry"),
    path("admin/", admin.site.urls),
]
