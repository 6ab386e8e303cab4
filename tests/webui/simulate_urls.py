"""The site's URLs plus the simulator's, until webui/urls.py routes it."""

from django.urls import path

from webui.urls import urlpatterns as site_urlpatterns
from webui.views import simulate

urlpatterns = [
    *site_urlpatterns,
    path("r/<str:token>/simulate/", simulate.simulate, name="simulate"),
]
