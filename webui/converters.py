"""Path converters: a path that cannot name a scan or a site never reaches a query.

Anything else (a NUL byte, a 3 000-character segment) is a 404 at the URL resolver.
"""


class TokenConverter:
    """A scan's public token: 12 characters of the URL-safe base64 alphabet (models.new_token)."""

    regex = "[A-Za-z0-9_-]{12}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class HostConverter:
    """A host as Site stores it: an IDNA name, an IPv4 address or an unbracketed IPv6 address."""

    regex = "[A-Za-z0-9._:-]{1,253}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
