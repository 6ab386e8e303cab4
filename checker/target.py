"""Turning what a person typed into one absolute, normalised target URL.

The host is judged as the HTTP client parses it: httpx gives the IDNA (punycode) form, and legacy
IPv4 spellings such as ``127.1`` or ``2130706433`` are rewritten to their dotted form so that the
network guard sees the address the resolver would connect to.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from urllib.parse import urlsplit

import httpx

from checker.cors_vocabulary import NULL_ORIGIN, serialise
from checker.model import Target

MAX_INPUT_LENGTH = 2048
# The longest name DNS can carry, and the longest URL we store and send (the web app's columns
# have the same sizes).
MAX_HOST_LENGTH = 253
MAX_URL_LENGTH = 2048
_LEGACY_IPV4 = re.compile(r"^[0-9a-fx.]+$", re.IGNORECASE)
_OTHER_SCHEMES = {"javascript", "data", "vbscript", "file", "mailto", "ftp", "about", "blob", "tel"}
_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")


class TargetError(ValueError):
    """The input cannot be checked; ``message`` says why, in words a form can show."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _normalise_host(host: str) -> str:
    if ":" in host:  # IPv6 literal, already unbracketed by httpx
        return str(ipaddress.IPv6Address(host.split("%", 1)[0]))
    if _LEGACY_IPV4.match(host) and not host.endswith("."):
        try:
            return socket.inet_ntoa(socket.inet_aton(host))
        except OSError:
            pass
    host = host.rstrip(".")
    if len(host) > MAX_HOST_LENGTH:
        raise TargetError(
            f"That host name has {len(host)} characters; DNS names are at most "
            f"{MAX_HOST_LENGTH} characters long."
        )
    labels = host.split(".")
    if not all(_HOST_LABEL.match(label) for label in labels):
        raise TargetError(f"“{host}” is not a valid host name.")
    if labels[-1].isdigit():
        raise TargetError(f"“{host}” is not a valid host name or IP address.")
    if len(labels) < 2:
        raise TargetError(
            f"“{host}” is not a full domain name: a public site has a dot in its name."
        )
    return host


def parse_target(raw: str) -> Target:
    """Parse a domain or URL; raise ``TargetError`` with a human message when it is unusable."""
    text = (raw or "").strip()
    if not text:
        raise TargetError("Enter a domain name or a URL, for example example.com.")
    if len(text) > MAX_INPUT_LENGTH:
        raise TargetError(
            f"That is too long: addresses are limited to {MAX_INPUT_LENGTH} characters."
        )
    if any(ch.isspace() for ch in text):
        raise TargetError("An address cannot contain spaces.")
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in text):
        raise TargetError("An address cannot contain control characters.")

    explicit_scheme = "://" in text
    scheme_match = re.match(r"^([a-z][a-z0-9+.-]*):", text, re.IGNORECASE)
    if (
        scheme_match
        and not explicit_scheme
        and (scheme_match.group(1).lower() in _OTHER_SCHEMES or not re.match(r"^[^:/]+:\d", text))
    ):
        raise TargetError(
            f"Only http and https addresses can be checked, not “{scheme_match.group(1)}:”."
        )
    if text.startswith("/"):
        raise TargetError("That is a path without a host: enter a domain name, e.g. example.com.")
    candidate = text if explicit_scheme else f"https://{text}"

    try:
        url = httpx.URL(candidate)
    except (httpx.InvalidURL, ValueError) as exc:
        raise TargetError(f"That is not a valid address ({exc}).") from None
    if url.scheme not in ("http", "https"):
        raise TargetError(f"Only http and https addresses can be checked, not “{url.scheme}:”.")
    if url.userinfo:
        raise TargetError("Addresses with a user name or password are not accepted.")
    if not url.raw_host:
        raise TargetError("That address has no host: enter a domain name, e.g. example.com.")

    try:
        host = _normalise_host(url.raw_host.decode("ascii").lower())
    except TargetError:
        raise
    except (UnicodeDecodeError, ValueError):
        raise TargetError("That host name is not valid.") from None

    try:
        port = url.port or (443 if url.scheme == "https" else 80)
    except ValueError:
        raise TargetError("The port must be a number from 1 to 65535.") from None
    if not 0 < port < 65536:
        raise TargetError("The port must be a number from 1 to 65535.")

    path = url.raw_path.decode("ascii") or "/"
    target = Target(
        raw=text,
        scheme=url.scheme,
        host=host,
        port=port,
        path=path,
        explicit_scheme=explicit_scheme,
    )
    # Non-ASCII characters in a path take up to nine characters each once percent-encoded, so
    # input under the limit can still make a URL over it.
    if len(target.url) > MAX_URL_LENGTH:
        raise TargetError(
            f"That address is too long: written out as a request URL (non-ASCII characters "
            f"percent-encoded) it has {len(target.url)} characters, and the limit is "
            f"{MAX_URL_LENGTH}."
        )
    return target


def parse_origin(raw: str) -> str:
    """Validate a browser origin such as ``https://app.example:8443`` and return it serialised."""
    text = (raw or "").strip()
    if text == NULL_ORIGIN:
        return text
    if "://" not in text:
        raise TargetError("An origin starts with http:// or https://, e.g. https://app.example.")
    target = parse_target(text)
    if target.path not in ("", "/") or text.rstrip("/").count("/") > 2:
        raise TargetError("An origin has no path: use only scheme, host and port.")
    return serialise(target.scheme, target.host, target.port)


class LocationError(ValueError):
    """A redirect's Location leads nowhere a browser would go; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def resolve_location(base: str, location: str) -> str:
    """The absolute http(s) URL, without fragment, that a redirect from ``base`` leads to.

    Relative references resolve as RFC 3986 and browsers resolve them, so ``http:foo`` from an
    ``http://`` page is the relative path ``foo``. The retriever follows this URL and the
    redirect analyzer judges it, so the two never disagree. Raises ``LocationError``.
    """
    text = location.strip(" \t")
    if not text:
        raise LocationError("it is empty")
    try:
        url = httpx.URL(base).join(text)
        scheme, host, port = url.scheme, url.host, url.port
        url = url.copy_with(fragment=None)
        if not urlsplit(str(url)).path:  # "http://a" is "http://a/", one page under two names
            url = url.copy_with(path="/")
        resolved = str(url)
    # httpx raises InvalidURL, and IDNA's errors (a UnicodeError) for a host it cannot encode.
    except (httpx.InvalidURL, ValueError, TypeError) as exc:
        raise LocationError(f"it is not a valid URL ({exc})") from None
    if scheme not in ("http", "https"):
        raise LocationError(f"a browser follows redirects only to http and https, not “{scheme}:”")
    if not host:
        raise LocationError("it names no host")
    if port is not None and not 0 < port < 65536:
        raise LocationError(f"its port {port} is not a number from 1 to 65535")
    return resolved
