from django.conf import settings


def permissions_policy_header(policy: dict[str, tuple[str, ...]]) -> str:
    """Serialise {"camera": (), "fullscreen": ("self",)} as `camera=(), fullscreen=(self)`."""
    return ", ".join(f"{feature}=({' '.join(allow)})" for feature, allow in policy.items())


class PermissionsPolicyMiddleware:
    """Adds the Permissions-Policy header from settings.PERMISSIONS_POLICY to every response."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = permissions_policy_header(settings.PERMISSIONS_POLICY)

    def __call__(self, request):
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response


class FixedHeadersMiddleware:
    """Adds settings.FIXED_RESPONSE_HEADERS (name -> value) to every response that lacks them.

    For headers Django has no setting of its own for; a view may still set its own value.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.headers = dict(settings.FIXED_RESPONSE_HEADERS)

    def __call__(self, request):
        response = self.get_response(request)
        for name, value in self.headers.items():
            response.headers.setdefault(name, value)
        return response
