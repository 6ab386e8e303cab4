"""The one place where Django settings become the engine's Options."""

from django.conf import settings

from checker import Options
from webui.api_scans import engine_fields


def options_from_settings(
    frontend_origin: str | None = None,
    profile: str | None = None,
    request_headers: tuple[tuple[str, str], ...] = (),
    api: dict | None = None,
) -> Options:
    return Options(
        allow_networks=tuple(settings.CHECKER_ALLOW_NETWORKS),
        allowed_ports=tuple(settings.CHECKER_ALLOWED_PORTS),
        ca_bundle=settings.CHECKER_CA_BUNDLE,
        deadline=float(settings.CHECKER_DEADLINE),
        simulation_deadline=float(settings.SIMULATE_DEADLINE),
        probe_deadline=float(settings.CHECKER_PROBE_DEADLINE),
        max_addresses=int(settings.CHECKER_MAX_ADDRESSES),
        frontend_origin=frontend_origin or None,
        profile=profile or None,
        request_headers=tuple(request_headers),
        max_endpoints=settings.CHECKER_MAX_ENDPOINTS,
        **engine_fields(api),
    )
