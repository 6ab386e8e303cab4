"""A target's history and the comparison of two of its scans."""

from django.http import Http404


def target_history(request, token: str):
    raise Http404("Not built yet.")


def compare(request, a: str, b: str):
    raise Http404("Not built yet.")
