from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from checker import Target, TargetError, parse_target
from checker.endpoints import MAX_DOCUMENT_BYTES, EndpointsError, parse_openapi, parse_paths
from checker.netguard import denial_reason, literal_address, parse_networks, port_refusal
from checker.request_headers import (
    MAX_HEADERS,
    RequestHeaderError,
    check_request_headers,
    parse_header_line,
)
from checker.target import parse_origin
from webui import api_scans
from webui.models import Subscription

PRIVATE_ADDRESS_MESSAGE = (
    "{host} is not a public address ({reason}). Only public sites can be checked."
)
TOO_MANY_LINES_MESSAGE = "That is {count} lines; at most {limit} headers are sent, one per line."


class SecretTextarea(forms.Textarea):
    """A textarea that, like a password field, never sends what was typed back in a page."""

    def get_context(self, name, value, attrs):
        return super().get_context(name, None, attrs)


# The codes of the form's refusals: the JSON API answers them as its error codes.
BAD_TARGET = "bad_target"
REFUSED_ADDRESS = "refused_address"
REFUSED_PORT = "refused_port"
BAD_ORIGIN = "bad_origin"
BAD_HEADERS = "bad_headers"
BAD_ENDPOINTS = "bad_endpoints"

API_SOURCES_MESSAGE = (
    "Give the endpoints one way: a list of paths, an OpenAPI document's URL, an uploaded "
    "document or a pasted one."
)


class ScanForm(forms.Form):
    target = forms.CharField(
        label="Domain or URL",
        help_text="For example example.com or https://api.example.com/v1/users",
        error_messages={
            "required": "Enter a domain or a URL to check.",
            "null_characters_not_allowed": "An address cannot contain control characters.",
        },
        widget=forms.TextInput(
            attrs={
                "autocapitalize": "none",
                "autocorrect": "off",
                "spellcheck": "false",
                "inputmode": "url",
                "placeholder": "example.com",
            }
        ),
    )
    frontend_origin = forms.CharField(
        label="Your frontend's origin (optional)",
        required=False,
        max_length=300,
        help_text="The origin your web app calls this API from, e.g. https://app.example.com",
        error_messages={"max_length": "An origin is at most 300 characters long."},
        widget=forms.TextInput(
            attrs={"autocapitalize": "none", "spellcheck": "false", "inputmode": "url"}
        ),
    )

    profile = forms.ChoiceField(
        label="Grade it as",
        required=False,
        choices=[("", "Automatic: by the kind of answer"), ("page", "A page"), ("api", "An API")],
        help_text="An API answer (JSON, XML, text) is not judged on the checks that protect a "
        "page's scripts.",
    )

    private = forms.BooleanField(
        label="Don't list this scan: only people with the link can see it",
        required=False,
    )

    request_headers = forms.CharField(
        label="Extra request headers (optional)",
        required=False,
        strip=False,
        help_text="One “Name: value” per line, such as Authorization: Bearer … or a Cookie, "
        "sent on the main request and the actual-request probes, never on preflights, and never "
        "stored (the scan is then private).",
        widget=SecretTextarea(
            attrs={
                "rows": 3,
                "autocomplete": "off",
                "autocapitalize": "none",
                "autocorrect": "off",
                "spellcheck": "false",  # a spelling service must not see a token
                "placeholder": "Authorization: Bearer …",
            }
        ),
    )

    # A whole-API scan: the endpoints to probe besides the target, in one of four ways.
    api_paths = forms.CharField(
        label="Endpoints to probe (optional)",
        required=False,
        max_length=100_000,
        help_text="One path a line, with its methods if not GET: /users, GET,DELETE /users/{id}. "
        "Templates get a harmless placeholder; other methods are only asked in preflights.",
        widget=forms.Textarea(
            attrs={"rows": 3, "spellcheck": "false", "placeholder": "GET,PUT /users/{id}"}
        ),
    )
    openapi_url = forms.CharField(
        label="Or an OpenAPI 3 document's URL",
        required=False,
        max_length=2048,
        help_text="Fetched by our checker, with the same address checks as the scan.",
        widget=forms.TextInput(
            attrs={"autocapitalize": "none", "spellcheck": "false", "inputmode": "url"}
        ),
    )
    openapi_file = forms.FileField(label="Or upload it (JSON or YAML)", required=False)
    openapi_text = forms.CharField(
        label="Or paste it",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    @property
    def has_api_options(self) -> bool:
        names = ("api_paths", "openapi_url", "openapi_text")
        return any(self[name].value() for name in names) or any(
            self.errors.get(name) for name in (*names, "openapi_file")
        )

    def clean_openapi_url(self) -> str:
        value = self.cleaned_data["openapi_url"].strip()
        if not value:
            return ""
        try:
            target = parse_target(value)
        except TargetError as error:
            raise ValidationError(error.message, code=BAD_ENDPOINTS) from None
        if not target.explicit_scheme:
            raise ValidationError(
                "Give the document's whole URL, with https:// or http://.", code=BAD_ENDPOINTS
            )
        return target.url

    def clean(self):
        cleaned = super().clean()
        given = [
            name
            for name in ("api_paths", "openapi_url", "openapi_file", "openapi_text")
            if cleaned.get(name)
        ]
        cleaned["api"] = {}
        if len(given) > 1:
            self.add_error(given[1], ValidationError(API_SOURCES_MESSAGE, code=BAD_ENDPOINTS))
        elif given:
            name = given[0]
            try:
                cleaned["api"] = self._asked(name, cleaned[name])
            except EndpointsError as error:
                self.add_error(name, ValidationError(error.message, code=BAD_ENDPOINTS))
        return cleaned

    @staticmethod
    def _asked(name: str, value) -> dict:
        if name == "api_paths":
            found = parse_paths(value)
            return api_scans.asked(found, source=api_scans.PATHS, summary=f"{len(found)} paths")
        if name == "openapi_url":
            return api_scans.asked(openapi_url=value, source=api_scans.DOCUMENT_URL)
        if name == "openapi_file":
            if value.size > MAX_DOCUMENT_BYTES:
                raise EndpointsError(
                    f"The document is {value.size // 1024} KiB; at most "
                    f"{MAX_DOCUMENT_BYTES // (1024 * 1024)} MiB is read."
                )
            value = value.read()
        document = parse_openapi(value)
        return api_scans.asked(
            document.endpoints, source=api_scans.DOCUMENT, summary=document.summary
        )

    def clean_target(self) -> Target:
        raw = self.cleaned_data["target"]
        try:
            target = parse_target(raw)
        except TargetError as error:
            raise ValidationError(error.message, code=BAD_TARGET) from None
        # The engine checks every port and address again when it connects (names included);
        # this early answer spares the user a queued scan that can only be refused. Typed with
        # no scheme and no port, the engine tries 80 and 443: one of them allowed is enough.
        allowed = settings.CHECKER_ALLOWED_PORTS
        ports = [80, 443] if not target.explicit_scheme and target.default_port else [target.port]
        refusals = [port_refusal(port, allowed) for port in ports]
        if all(refusals):
            raise ValidationError(refusals[-1], code=REFUSED_PORT)
        address = literal_address(target.host)
        if address is not None:
            reason = denial_reason(address, parse_networks(settings.CHECKER_ALLOW_NETWORKS))
            if reason is not None:
                message = PRIVATE_ADDRESS_MESSAGE.format(host=address, reason=reason)
                raise ValidationError(message, code=REFUSED_ADDRESS)
        return target

    @property
    def headers_were_cleared(self) -> bool:
        """True when headers were posted and the form is shown again: without them."""
        return self.is_bound and bool(self.data.get("request_headers", "").strip())

    def clean_request_headers(self) -> tuple[tuple[str, str], ...]:
        """(name, value) pairs from "Name: value" lines, each checked by the engine's rules;
        every bad line gets its own sentence, and none of them quotes a value."""
        lines = [
            (number, line)
            for number, line in enumerate(self.cleaned_data["request_headers"].splitlines(), 1)
            if line.strip()
        ]
        if len(lines) > MAX_HEADERS:
            raise ValidationError(
                TOO_MANY_LINES_MESSAGE.format(count=len(lines), limit=MAX_HEADERS),
                code=BAD_HEADERS,
            )
        headers, errors = [], []
        for number, line in lines:
            try:
                headers.append(parse_header_line(line))
            except RequestHeaderError as error:
                errors.append(ValidationError(f"Line {number}: {error.message}", code=BAD_HEADERS))
        if errors:
            raise ValidationError(errors)
        try:
            return check_request_headers(headers)
        except RequestHeaderError as error:
            raise ValidationError(error.message, code=BAD_HEADERS) from None

    def clean_frontend_origin(self) -> str:
        value = self.cleaned_data["frontend_origin"]
        if not value:
            return ""
        try:
            return parse_origin(value)
        except TargetError as error:
            raise ValidationError(error.message, code=BAD_ORIGIN) from None


def email_field(label: str) -> forms.EmailField:
    """An address Django's EmailValidator accepts, lower-cased (see clean_address)."""
    return forms.EmailField(
        label=label,
        max_length=254,
        error_messages={
            "required": "Enter the email address the mails should go to.",
            "invalid": "That is not an email address we can send to. It should look like "
            "name@example.com, with no spaces.",
            "max_length": "An email address is at most 254 characters long.",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )


def clean_address(value: str) -> str:
    """One spelling per address, so limits, the one-per-target rule and the manage page all see
    the same one. Lower case: the mail systems people use ignore case in the local part too."""
    return value.strip().lower()


class SubscribeForm(forms.Form):
    email = email_field("Your email address")
    frequency = forms.ChoiceField(
        label="How often",
        choices=Subscription.Frequency.choices,
        initial=Subscription.Frequency.DAILY,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose how often we should check.",
            "invalid_choice": "Choose every day or every week.",
        },
    )
    mode = forms.ChoiceField(
        label="Mail me",
        choices=Subscription.Mode.choices,
        initial=Subscription.Mode.CHANGES,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose when we should mail you.",
            "invalid_choice": "Choose “only when something changes” or “every time”.",
        },
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean_email(self) -> str:
        return clean_address(self.cleaned_data["email"])


class AddressForm(forms.Form):
    """The address a "manage my subscriptions" link should go to."""

    email = email_field("Your email address")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean_email(self) -> str:
        return clean_address(self.cleaned_data["email"])
