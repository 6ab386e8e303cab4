"""Subscriptions to re-checks by email: subscribe, confirm, unsubscribe, manage."""

from django.http import Http404


def subscribe(request, token: str):
    raise Http404("Not built yet.")


def confirm(request, signed: str):
    raise Http404("Not built yet.")


def unsubscribe(request, signed: str):
    raise Http404("Not built yet.")


def manage_request(request):
    raise Http404("Not built yet.")


def manage(request, signed: str):
    raise Http404("Not built yet.")
