"""{% subscription_box scan %}: the "watch this site" form on a report, whose view knows
nothing about subscriptions."""

from django import template

from webui.forms import SubscribeForm

register = template.Library()


@register.inclusion_tag("webui/subscriptions/box.html", takes_context=True)
def subscription_box(context, scan, form=None):
    return {
        "scan": scan,
        "form": form or SubscribeForm(),
        "csrf_token": context.get("csrf_token"),
        "messages": context.get("messages"),
        "refusal": context.get("refusal"),
    }
