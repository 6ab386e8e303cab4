def csp_nonce(request):
    """The request's CSP nonce under the name django-htmx's {% htmx_script %} looks for."""
    return {"csp_nonce": getattr(request, "csp_nonce", None)}
