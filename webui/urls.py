from django.contrib import admin
from django.urls import path

from webui.views import glossary, pages, scans, simulate

urlpatterns = [
    path("", pages.home, name="home"),
    path("r/<str:token>/", scans.report, name="report"),
    path("r/<str:token>/simulate/", simulate.simulate, name="simulate"),
    path(
        "r/<str:token>/simulate/<str:simulation_token>/",
        simulate.simulation,
        name="simulation",
    ),
    path("s/<str:host>/", scans.site, name="site"),
    path("scoring/", pages.scoring, name="scoring"),
    path("glossary/", glossary.index, name="glossary"),
    path("glossary/<slug:slug>/", glossary.entry, name="glossary-entry"),
    path("admin/", admin.site.urls),
]
