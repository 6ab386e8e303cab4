from django.contrib import admin
from django.urls import path, register_converter

from webui.api.views import api
from webui.converters import HostConverter, TokenConverter
from webui.views import badges, explain, glossary, history, pages, scans, simulate, subscriptions

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
    path("r/<token:a>/vs/<token:b>/", history.compare, name="compare"),
    path("r/<token:token>/watch/", scans.watch, name="report-watch"),
    path("r/<token:token>/rescan/", scans.rescan, name="rescan"),
    path("r/<token:token>/subscribe/", subscriptions.subscribe, name="subscribe"),
    path("s/<host:host>/", scans.site, name="site"),
    path("t/<token:token>/", history.target_history, name="target-history"),
    path("badge/<token:token>.svg", badges.badge, name="badge"),
    path("subscriptions/", subscriptions.manage_request, name="subscriptions"),
    path("subscriptions/<str:signed>/", subscriptions.manage, name="subscriptions-manage"),
    path("confirm/<str:signed>/", subscriptions.confirm, name="subscription-confirm"),
    path("unsubscribe/<str:signed>/", subscriptions.unsubscribe, name="unsubscribe"),
    path("scoring/", pages.scoring, name="scoring"),
    path("explain/", explain.explain_message, name="explain"),
    path("explain/<token:token>/", explain.explanation, name="explanation"),
    path("glossary/", glossary.index, name="glossary"),
    path("glossary/<slug:slug>/", glossary.entry, name="glossary-entry"),
    path("admin/", admin.site.urls),
    # The JSON API: its paths have no trailing slash (see webui/api/views.py).
    path("api/v1/", api.urls),
]
