"""The API's documents page: Swagger UI from our own static files, under the site's own CSP.

django-ninja ships Swagger UI inside its package (the `ninja` app's static files), so nothing is
fetched from another host. Our template loads it with the request's CSP nonce and turns off the
online spec validator, the one part of Swagger UI that would call out to the internet.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from ninja.openapi.docs import DocsBase

if TYPE_CHECKING:
    from ninja import NinjaAPI


class OwnSwaggerDocs(DocsBase):
    template = "api/docs.html"

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        settings = {
            "url": self.get_openapi_url(api, kwargs),
            "layout": "BaseLayout",
            "deepLinking": False,
            "validatorUrl": None,
        }
        return render(request, self.template, {"api": api, "swagger_settings": settings})
