"""Error pages in the site's own layout."""

from django.shortcuts import render


def not_found(request, exception=None):
    """handler404, and the page NotFoundPageMiddleware puts in place of any other 404."""
    response = render(request, "404.html", status=404)
    response.is_our_page = True
    return response
