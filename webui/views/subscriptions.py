"""Subscriptions to re-checks by email: subscribe, confirm, unsubscribe, manage.

Links that arrive by mail only show a page on GET (link scanners and mail previews follow
GETs); what they do happens on the POST of that page's button. Pages reached through a signed
link are never cached and send a Referer only to ourselves, so the link travels no further.
"""

from functools import wraps

from django.contrib import messages
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from webui import links, subscribing
from webui.forms import AddressForm, SubscribeForm
from webui.models import Scan, Subscription
from webui.same_origin import same_origin_post
from webui.views.pages import HttpResponseSeeOther, render_refusal

SENT_MESSAGE = (
    "Check your inbox: we have sent a mail to the address you gave. If it asks you to confirm, "
    "follow its link — until you do, nothing else is sent."
)
MANAGE_SENT_MESSAGE = (
    "If that address has subscriptions, we have sent it a link to manage them. The link works "
    "for {expires_in}."
)

LINK_PROBLEMS = {
    # kind: (status, heading, sentence)
    "bad": (
        400,
        "This link does not work",
        "It is not a link we made, or part of it is missing. Copy the whole link from the mail, "
        "or open it with the button in the mail.",
    ),
    "expired": (
        410,
        "This link has expired",
        "Links like this one work for a limited time. Nothing was changed.",
    ),
    "gone": (
        410,
        "This subscription no longer exists",
        "It was cancelled, or it was never confirmed and has been removed. Nothing was changed.",
    ),
}


def signed_link_page(view):
    """For pages opened from a mail: not cached, and no other site sees the link in a Referer.

    Not "no-referrer": under it browsers send "Origin: null" with the page's own form POSTs,
    and Django's CSRF check rightly refuses those.
    """

    uncached = never_cache(view)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = uncached(request, *args, **kwargs)
        response["Referrer-Policy"] = "same-origin"
        return response

    return wrapper


@same_origin_post
@require_http_methods(["GET", "HEAD", "POST"])
def subscribe(request, token: str):
    scan = get_object_or_404(Scan.objects.select_related("target"), token=token)
    context = {"scan": scan}
    if scan.private:
        return render(request, "webui/subscriptions/subscribe.html", context, status=403)
    form = SubscribeForm(request.POST if request.method == "POST" else None)
    context["form"] = form
    if form.is_valid():
        try:
            subscribing.subscribe(request, scan.target, **form.cleaned_data)
        except subscribing.Refused as refusal:
            context["refusal"] = refusal.message
            return render_refusal(
                request,
                "webui/subscriptions/subscribe.html",
                context,
                status=refusal.status,
                retry_after=refusal.retry_after,
            )
        # Shown at the top of the report by base.html, like every message of the site.
        messages.success(request, SENT_MESSAGE)
        return HttpResponseSeeOther(scan.get_absolute_url())
    status = 400 if form.is_bound else 200
    return render(request, "webui/subscriptions/subscribe.html", context, status=status)


@signed_link_page
@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request, signed: str):
    try:
        subscription = subscribing.subscription_from_link(
            signed, links.CONFIRM_SALT, links.confirm_max_age()
        )
    except subscribing.LinkProblem as problem:
        return link_problem(request, problem.kind, again=True)
    context = {
        "subscription": subscription,
        "promise": subscribing.promise(subscription),
        "expires_in": subscribing.duration_words(links.confirm_max_age()),
    }
    if subscription.is_confirmed:
        context["state"] = "already"
    elif request.method == "POST":
        if subscribing.confirm(subscription):
            context["state"] = "confirmed"
            context["unsubscribe_url"] = links.unsubscribe_path(subscription)
        elif Subscription.objects.filter(pk=subscription.pk).exists():
            context["state"] = "already"  # a second click a moment earlier confirmed it
        else:
            return link_problem(request, "gone", again=True)  # unsubscribed in between
    else:
        context["state"] = "ask"
    return render(request, "webui/subscriptions/confirm.html", context)


# A mail client's one-click unsubscribe (RFC 8058) POSTs "List-Unsubscribe=One-Click" to the
# link in the List-Unsubscribe header, from outside any page of ours: it has no CSRF cookie or
# token to send. CSRF protection guards a credential the browser adds by itself (a cookie); here
# the credential is the signed link, which a forged cross-site request would have to know. So
# this view, and only this one, does without it.
@csrf_exempt
@signed_link_page
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, signed: str):
    try:
        scope, every_one = subscribing.unsubscribe_scope(signed)
    except subscribing.LinkProblem as problem:
        return link_problem(request, problem.kind)
    subscriptions = list(scope.select_related("target"))
    context = {"subscriptions": subscriptions, "every_one": every_one}
    if request.method == "POST":
        scope.delete()
        context["state"] = "done" if subscriptions else "none"
    else:
        context["state"] = "ask" if subscriptions else "none"
    return render(request, "webui/subscriptions/unsubscribe.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
def manage_request(request):
    form = AddressForm(request.POST if request.method == "POST" else None)
    context = {"form": form}
    if form.is_valid():
        try:
            subscribing.send_manage_link(request, form.cleaned_data["email"])
        except subscribing.Refused as refusal:
            context["refusal"] = refusal.message
            return render_refusal(
                request,
                "webui/subscriptions/manage-request.html",
                context,
                status=refusal.status,
                retry_after=refusal.retry_after,
            )
        expires_in = subscribing.duration_words(links.manage_max_age())
        messages.success(request, MANAGE_SENT_MESSAGE.format(expires_in=expires_in))
        return HttpResponseSeeOther(reverse("subscriptions"))
    status = 400 if form.is_bound else 200
    return render(request, "webui/subscriptions/manage-request.html", context, status=status)


@signed_link_page
@require_http_methods(["GET", "HEAD", "POST"])
def manage(request, signed: str):
    try:
        email = subscribing.read_link(signed, links.MANAGE_SALT, links.manage_max_age())["e"]
    except subscribing.LinkProblem as problem:
        if problem.kind == "expired":
            return link_problem(request, problem.kind, new_manage_link=True)
        return link_problem(request, problem.kind)
    mine = Subscription.objects.filter(email=email)
    if request.method == "POST":
        removing = request.POST.get("remove", "")
        if removing == "all":
            chosen = mine
        elif removing.isdigit():
            chosen = mine.filter(pk=int(removing))
        else:
            chosen = mine.none()
        removed = [subscription.target.url for subscription in chosen.select_related("target")]
        chosen.delete()
        if removed:
            messages.success(request, removed_message(removed))
        return HttpResponseSeeOther(request.path)
    subscriptions = mine.select_related("target").order_by("target__url", "created")
    return render(
        request,
        "webui/subscriptions/manage.html",
        {"email": email, "subscriptions": subscriptions},
    )


def removed_message(urls: list[str]) -> str:
    if len(urls) == 1:
        return f"Removed: re-checks of {urls[0]}. No more mails about it will be sent."
    return f"Removed all {len(urls)} subscriptions. No more mails about them will be sent."


def link_problem(request, kind: str, again: bool = False, new_manage_link: bool = False):
    status, heading, sentence = LINK_PROBLEMS[kind]
    context = {"heading": heading, "sentence": sentence, "again": again}
    context["new_manage_link"] = new_manage_link
    return render(request, "webui/subscriptions/link-problem.html", context, status=status)
