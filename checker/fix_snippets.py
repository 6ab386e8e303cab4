"""How to fix a finding, as data: finding id -> kind of fix, and kind -> framework -> snippet.

A snippet is a template with placeholders filled in for the site at hand (see
``checker.explain_finding.fixes_for``):

- ``{host}``   the scanned host, ``{site}`` its origin (``https://api.shop.test``)
- ``{origin}`` the frontend origin the user named (or a stand-in built from the host), and
  ``{origin_pattern}`` the same as a regular expression with its dots escaped
- ``{name}``, ``{value}`` the header a ``set-header`` or ``remove-header`` fix is about
- ``{cookie}`` the first cookie a cookie finding names

Only these exact tokens are replaced, so the braces of JSON, JavaScript or Caddy blocks in a
snippet are left alone. Most fixes are one header with one value: they share the ``set-header``
snippets, and ``HEADER_SNIPPETS`` holds the frameworks that have a setting of their own for a
header (Django's ``SECURE_*``, Spring Security's ``headers()``...). Every snippet is our own.
"""

from __future__ import annotations

from dataclasses import dataclass

# Framework key -> the name shown; also the order of the alternatives under the first snippet.
FRAMEWORKS: dict[str, str] = {
    "express": "Express",
    "django": "Django",
    "rails": "Rails",
    "spring": "Spring Boot",
    "aspnet": "ASP.NET Core",
    "php": "PHP",
    "nginx": "nginx",
    "apache": "Apache",
    "iis": "IIS",
    "caddy": "Caddy",
    "netlify": "Netlify",
    "vercel": "Vercel",
    "cloudflare": "Cloudflare",
}

# The order of the snippets after the recognised ones (and of all of them when nothing was
# recognised): the web servers most sites sit behind first, then the frameworks, then platforms.
DEFAULT_ORDER: tuple[str, ...] = (
    "nginx",
    "apache",
    "caddy",
    "iis",
    "express",
    "django",
    "rails",
    "spring",
    "aspnet",
    "php",
    "netlify",
    "vercel",
    "cloudflare",
)

# Where a framework's snippet goes, shown above it.
PLACES: dict[str, str] = {
    "express": "Node.js, before your routes",
    "django": "settings.py",
    "rails": "config/application.rb",
    "spring": "your security or web configuration",
    "aspnet": "Program.cs",
    "php": "before any output",
    "nginx": "the server block",
    "apache": "the VirtualHost or .htaccess",
    "iis": "web.config",
    "caddy": "the Caddyfile",
    "netlify": "the _headers file",
    "vercel": "vercel.json",
    "cloudflare": "the dashboard",
}


@dataclass(frozen=True)
class Fix:
    kind: str  # a key of SNIPPETS
    header: str = ""  # for set-header and remove-header
    value: str = ""


HSTS = Fix("set-header", "Strict-Transport-Security", "max-age=31536000; includeSubDomains")
CSP = Fix(
    "set-header",
    "Content-Security-Policy",
    "default-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'self'",
)
FRAMING = Fix("set-header", "X-Frame-Options", "SAMEORIGIN")
NOSNIFF = Fix("set-header", "X-Content-Type-Options", "nosniff")
REFERRER = Fix("set-header", "Referrer-Policy", "strict-origin-when-cross-origin")
PERMISSIONS = Fix("set-header", "Permissions-Policy", "camera=(), microphone=(), geolocation=()")
COOP = Fix("set-header", "Cross-Origin-Opener-Policy", "same-origin")
COEP = Fix("set-header", "Cross-Origin-Embedder-Policy", "require-corp")
CORP = Fix("set-header", "Cross-Origin-Resource-Policy", "same-origin")
ALLOWLIST = Fix("cors-allowlist")
ALLOW_HEADERS = Fix("set-header", "Access-Control-Allow-Headers", "Content-Type, Authorization")
ALLOW_METHODS = Fix("set-header", "Access-Control-Allow-Methods", "GET, POST, PUT, DELETE")
COOKIE = Fix("cookie-flags")

_TRUSTED_CLASSES = (
    "reflect-origin",
    "null-origin",
    "substring-match",
    "prefix-match",
    "suffix-match",
    "unescaped-dot",
    "special-characters",
    "any-subdomain",
    "http-origin",
)

# Finding id -> its fix. An id not named here (a pass, a note with nothing to change, a finding
# whose remedy is not a line of configuration) has no snippet; its glossary entry explains.
FIXES: dict[str, Fix] = {
    **{f"cors.{name}": ALLOWLIST for name in _TRUSTED_CLASSES},
    **{f"cors.{name}-credentials": ALLOWLIST for name in _TRUSTED_CLASSES},
    "cors.wildcard": ALLOWLIST,
    "cors.wildcard-credentials": ALLOWLIST,
    "cors.frontend-blocked": ALLOWLIST,
    "cors.frontend-mismatch": ALLOWLIST,
    "cors.allow-origin-multiple": ALLOWLIST,
    "cors.allow-origin-malformed": ALLOWLIST,
    "cors.allow-origin-with-path": ALLOWLIST,
    "cors.preflight-rejected": ALLOWLIST,
    "cors.preflight-missing-headers": ALLOWLIST,
    "cors.headers-only-on-preflight": ALLOWLIST,
    "cors.preflight-credentials-missing": ALLOWLIST,
    "cors.allow-credentials-invalid": Fix("set-header", "Access-Control-Allow-Credentials", "true"),
    "cors.vary-origin-missing": Fix("set-header", "Vary", "Origin"),
    "cors.error-without-cors": Fix("cors-on-errors"),
    "cors.refusal-without-cors": Fix("cors-on-errors"),
    "cors.private-network-allowed": Fix("remove-header", "Access-Control-Allow-Private-Network"),
    "cors.preflight-allow-methods-invalid": ALLOW_METHODS,
    "cors.preflight-method-not-allowed": ALLOW_METHODS,
    "cors.preflight-allow-headers-invalid": ALLOW_HEADERS,
    "cors.preflight-headers-not-allowed": ALLOW_HEADERS,
    "cors.allow-headers-wildcard-authorization": ALLOW_HEADERS,
    "cors.wildcard-literal-with-credentials": ALLOW_HEADERS,
    "cors.expose-headers-invalid": Fix("set-header", "Access-Control-Expose-Headers", "ETag"),
    "cors.max-age-capped": Fix("set-header", "Access-Control-Max-Age", "7200"),
    "cors.max-age-invalid": Fix("set-header", "Access-Control-Max-Age", "7200"),
    **{
        f"redirect.{name}": Fix("https-redirect")
        for name in ("missing", "not-to-https", "downgrade", "https-other-host", "https-not-first")
    },
    **{
        f"hsts.{name}": HSTS
        for name in (
            "missing",
            "malformed",
            "disabled",
            "short-max-age",
            "duplicate-header",
            "unknown-directive",
            "no-include-subdomains",
        )
    },
    "csp.missing": CSP,
    "csp.report-only": CSP,
    "csp.object-src-missing": CSP,
    "csp.base-uri-missing": CSP,
    "csp.malformed": CSP,
    **{f"framing.{name}": FRAMING for name in ("missing", "xfo-invalid", "xfo-allow-from")},
    "framing.allows-any": FRAMING,
    "framing.xfo-conflicting": FRAMING,
    "xcto.missing": NOSNIFF,
    "xcto.invalid": NOSNIFF,
    "cache.no-store-missing": Fix("set-header", "Cache-Control", "no-store"),
    **{f"referrer.{name}": REFERRER for name in ("unsafe", "invalid", "missing", "unknown-token")},
    **{
        f"permissions.{name}": PERMISSIONS
        for name in ("malformed", "invalid-allowlist", "legacy-feature-policy", "missing")
    },
    "cross-origin.coop-missing": COOP,
    "cross-origin.coop-invalid": COOP,
    "cross-origin.coep-missing": COEP,
    "cross-origin.coep-invalid": COEP,
    "cross-origin.corp-missing": CORP,
    "cross-origin.corp-invalid": CORP,
    **{
        f"cookie.{name}": COOKIE
        for name in (
            "no-secure",
            "session-no-httponly",
            "set-over-http",
            "samesite-none-insecure",
            "samesite-invalid",
            "no-samesite",
        )
    },
    "disclosure.server-version": Fix("hide-server-version"),
    "disclosure.powered-by-version": Fix("hide-powered-by"),
    "disclosure.aspnet-version": Fix("hide-aspnet-version"),
    "deprecated.x-xss-protection": Fix("set-header", "X-XSS-Protection", "0"),
    "deprecated.expect-ct": Fix("remove-header", "Expect-CT"),
    "deprecated.public-key-pins": Fix("remove-header", "Public-Key-Pins"),
}

# Kind -> framework -> template. A framework missing from a kind has no snippet for it.
SNIPPETS: dict[str, dict[str, str]] = {
    "set-header": {
        "express": 'app.use((req, res, next) => { res.set("{name}", "{value}"); next(); });',
        "django": (
            "# a middleware listed in MIDDLEWARE\n"
            "def add_header(get_response):\n    def middleware(request):\n"
            "        response = get_response(request)\n"
            '        response["{name}"] = "{value}"\n        return response\n'
            "    return middleware"
        ),
        "rails": 'config.action_dispatch.default_headers["{name}"] = "{value}"',
        "spring": 'response.setHeader("{name}", "{value}"); // in a OncePerRequestFilter',
        "aspnet": (
            "app.Use(async (context, next) => {\n"
            '    context.Response.Headers["{name}"] = "{value}";\n'
            "    await next();\n});"
        ),
        "php": "header('{name}: {value}');",
        "nginx": 'add_header {name} "{value}" always;  # in server { server_name {host}; }',
        "apache": 'Header always set {name} "{value}"',
        "iis": (
            "<system.webServer><httpProtocol><customHeaders>\n"
            '  <add name="{name}" value="{value}" />\n'
            "</customHeaders></httpProtocol></system.webServer>"
        ),
        "caddy": '{host} {\n    header {name} "{value}"\n}',
        "netlify": "/*\n  {name}: {value}",
        "vercel": (
            '{ "headers": [{ "source": "/(.*)", '
            '"headers": [{ "key": "{name}", "value": "{value}" }] }] }'
        ),
        "cloudflare": (
            "Rules > Transform Rules > Modify Response Header: when "
            '(http.host eq "{host}"), set static {name} to {value}'
        ),
    },
    "remove-header": {
        "express": 'app.use((req, res, next) => { res.removeHeader("{name}"); next(); });',
        "django": 'del response["{name}"]  # in the middleware or view that adds it',
        "rails": 'config.action_dispatch.default_headers.delete("{name}")',
        "spring": "// remove the filter or setHeader call that adds {name}",
        "aspnet": 'context.Response.Headers.Remove("{name}");',
        "php": "header_remove('{name}');",
        "nginx": "proxy_hide_header {name};  # and drop any add_header {name}",
        "apache": "Header always unset {name}",
        "iis": '<customHeaders><remove name="{name}" /></customHeaders>',
        "caddy": "{host} {\n    header -{name}\n}",
        "netlify": "/*\n  ! {name}",
        "cloudflare": (
            "Rules > Transform Rules > Modify Response Header: when "
            '(http.host eq "{host}"), remove {name}'
        ),
    },
    "cors-allowlist": {
        "express": (
            'const cors = require("cors");\n'
            'app.use(cors({ origin: ["{origin}"], credentials: true }));'
        ),
        "django": (
            '# pip install django-cors-headers; add "corsheaders" to INSTALLED_APPS\n'
            "# and corsheaders.middleware.CorsMiddleware high in MIDDLEWARE\n"
            'CORS_ALLOWED_ORIGINS = ["{origin}"]\nCORS_ALLOW_CREDENTIALS = True'
        ),
        "rails": (
            '# Gemfile: gem "rack-cors"; config/initializers/cors.rb\n'
            "Rails.application.config.middleware.insert_before 0, Rack::Cors do\n"
            '  allow do\n    origins "{origin}"\n'
            '    resource "*", headers: :any, methods: :any, credentials: true\n  end\nend'
        ),
        "spring": (
            'registry.addMapping("/**").allowedOrigins("{origin}").allowCredentials(true);'
            "  // WebMvcConfigurer.addCorsMappings"
        ),
        "aspnet": (
            "builder.Services.AddCors(o => o.AddDefaultPolicy(p =>\n"
            '    p.WithOrigins("{origin}").AllowCredentials().AllowAnyHeader()));\n'
            "app.UseCors();"
        ),
        "php": (
            'if (($_SERVER["HTTP_ORIGIN"] ?? "") === "{origin}") {\n'
            '    header("Access-Control-Allow-Origin: {origin}");\n'
            '    header("Access-Control-Allow-Credentials: true");\n}\nheader("Vary: Origin");'
        ),
        "nginx": (
            "# in server { server_name {host}; }: compare the whole origin, never a part of it\n"
            'map $http_origin $cors_origin { default ""; "{origin}" $http_origin; }\n'
            "add_header Access-Control-Allow-Origin $cors_origin always;\n"
            "add_header Access-Control-Allow-Credentials true always;\n"
            "add_header Vary Origin always;"
        ),
        "apache": (
            'SetEnvIf Origin "^{origin_pattern}$" CORS_OK\n'
            'Header always set Access-Control-Allow-Origin "{origin}" env=CORS_OK\n'
            "Header always set Access-Control-Allow-Credentials true env=CORS_OK\n"
            "Header always merge Vary Origin"
        ),
        "iis": (
            "<!-- IIS CORS module -->\n"
            '<cors enabled="true"><add origin="{origin}" allowCredentials="true" /></cors>'
        ),
        "caddy": (
            "{host} {\n    @frontend header Origin {origin}\n"
            '    header @frontend Access-Control-Allow-Origin "{origin}"\n'
            "    header @frontend Access-Control-Allow-Credentials true\n"
            "    header Vary Origin\n}"
        ),
        "netlify": "/*\n  Access-Control-Allow-Origin: {origin}\n  Vary: Origin",
        "vercel": (
            '{ "headers": [{ "source": "/(.*)", "headers": [\n'
            '  { "key": "Access-Control-Allow-Origin", "value": "{origin}" },\n'
            '  { "key": "Vary", "value": "Origin" }] }] }'
        ),
        "cloudflare": (
            "Rules > Transform Rules > Modify Response Header: when "
            '(http.host eq "{host}" and any(http.request.headers["origin"][*] eq "{origin}")), '
            "set Access-Control-Allow-Origin to {origin}"
        ),
    },
    "cors-on-errors": {
        "express": 'app.use(cors({ origin: ["{origin}"] }));  // before the routes and auth checks',
        "django": "# corsheaders.middleware.CorsMiddleware first in MIDDLEWARE, above auth",
        "rails": "config.middleware.insert_before 0, Rack::Cors  # before Warden/Devise",
        "spring": "http.cors(Customizer.withDefaults());  // so Spring Security's 401s carry CORS",
        "aspnet": "app.UseCors();  // before UseAuthentication() and UseAuthorization()",
        "nginx": (
            "add_header Access-Control-Allow-Origin $cors_origin always;  # always: also on 4xx"
        ),
        "apache": 'Header always set Access-Control-Allow-Origin "{origin}"  # always: also on 4xx',
        "caddy": '{host} {\n    header Access-Control-Allow-Origin "{origin}"\n}',
    },
    "https-redirect": {
        "express": (
            "app.use((req, res, next) => req.secure ? next()\n"
            '  : res.redirect(301, "https://{host}" + req.originalUrl));'
        ),
        "django": "SECURE_SSL_REDIRECT = True",
        "rails": "config.force_ssl = true",
        "spring": "http.requiresChannel(c -> c.anyRequest().requiresSecure());",
        "aspnet": "app.UseHttpsRedirection();",
        "php": (
            'if (($_SERVER["HTTPS"] ?? "") !== "on") {\n'
            '    header("Location: https://{host}" . $_SERVER["REQUEST_URI"], true, 301); exit;\n}'
        ),
        "nginx": "server {\n    listen 80;\n    server_name {host};\n"
        "    return 301 https://{host}$request_uri;\n}",
        "apache": (
            "<VirtualHost *:80>\n    ServerName {host}\n"
            "    Redirect permanent / https://{host}/\n</VirtualHost>"
        ),
        "iis": (
            '<rewrite><rules><rule name="https" stopProcessing="true"><match url="(.*)" />\n'
            '  <conditions><add input="{HTTPS}" pattern="off" /></conditions>\n'
            '  <action type="Redirect" url="https://{host}/{R:1}" redirectType="Permanent" />\n'
            "</rule></rules></rewrite>"
        ),
        "caddy": "{host} {\n    # Caddy redirects http:// to https:// by itself for a named host\n"
        "}",
        "netlify": "Netlify redirects to HTTPS once a certificate is issued: Domain management",
        "vercel": "Vercel redirects to HTTPS by itself for every domain it serves",
        "cloudflare": "SSL/TLS > Edge Certificates > Always Use HTTPS: on",
    },
    "cookie-flags": {
        "express": (
            'res.cookie("{cookie}", value, { secure: true, httpOnly: true, sameSite: "lax" });'
        ),
        "django": (
            "SESSION_COOKIE_SECURE = True\nCSRF_COOKIE_SECURE = True\n"
            'SESSION_COOKIE_SAMESITE = "Lax"  # HttpOnly is on by default'
        ),
        "rails": (
            'Rails.application.config.session_store :cookie_store, key: "{cookie}",\n'
            "  secure: true, httponly: true, same_site: :lax"
        ),
        "spring": (
            "server.servlet.session.cookie.secure=true\n"
            "server.servlet.session.cookie.http-only=true\n"
            "server.servlet.session.cookie.same-site=lax"
        ),
        "aspnet": (
            "builder.Services.ConfigureApplicationCookie(o => {\n"
            "    o.Cookie.SecurePolicy = CookieSecurePolicy.Always; o.Cookie.HttpOnly = true;\n"
            "    o.Cookie.SameSite = SameSiteMode.Lax; });"
        ),
        "php": (
            "session_set_cookie_params(['secure' => true, 'httponly' => true, "
            "'samesite' => 'Lax']);"
        ),
        "nginx": "proxy_cookie_flags {cookie} secure httponly samesite=lax;",
        "apache": (
            'Header always edit Set-Cookie "^({cookie}=.*)$" "$1; Secure; HttpOnly; SameSite=Lax"'
        ),
        "iis": '<httpCookies requireSSL="true" httpOnlyCookies="true" sameSite="Lax" />',
    },
    "hide-server-version": {
        "spring": "server.server-header=",
        "aspnet": "builder.WebHost.ConfigureKestrel(o => o.AddServerHeader = false);",
        "nginx": "server_tokens off;",
        "apache": "ServerTokens Prod\nServerSignature Off",
        "iis": '<security><requestFiltering removeServerHeader="true" /></security>',
        "caddy": "{host} {\n    header -Server\n}",
        "cloudflare": "Cloudflare always sends Server: cloudflare, without a version",
    },
    "hide-powered-by": {
        "express": 'app.disable("x-powered-by");',
        "php": "expose_php = Off  ; in php.ini",
        "aspnet": "<!-- web.config -->\n"
        '<customHeaders><remove name="X-Powered-By" /></customHeaders>',
        "nginx": "proxy_hide_header X-Powered-By;",
        "apache": "Header always unset X-Powered-By",
        "iis": '<httpProtocol><customHeaders><remove name="X-Powered-By" /></customHeaders>'
        "</httpProtocol>",
        "caddy": "{host} {\n    header -X-Powered-By\n}",
    },
    "hide-aspnet-version": {
        "aspnet": '<httpRuntime enableVersionHeader="false" />\n'
        "MvcHandler.DisableMvcResponseHeader = true;  // Global.asax, for X-AspNetMvc-Version",
        "iis": '<system.web><httpRuntime enableVersionHeader="false" /></system.web>',
        "nginx": "proxy_hide_header X-AspNet-Version;\nproxy_hide_header X-AspNetMvc-Version;",
        "apache": "Header always unset X-AspNet-Version\nHeader always unset X-AspNetMvc-Version",
    },
}

# Header (lower case) -> framework -> a template that beats the generic set-header one.
HEADER_SNIPPETS: dict[str, dict[str, str]] = {
    "strict-transport-security": {
        "django": "SECURE_HSTS_SECONDS = 31536000\nSECURE_HSTS_INCLUDE_SUBDOMAINS = True",
        "rails": "config.force_ssl = true  # sends Strict-Transport-Security too",
        "spring": "http.headers(h -> h.httpStrictTransportSecurity(s -> s.includeSubDomains(true)"
        ".maxAgeInSeconds(31536000)));",
        "aspnet": "builder.Services.AddHsts(o => { o.MaxAge = TimeSpan.FromDays(365); "
        "o.IncludeSubDomains = true; });\napp.UseHsts();",
        "cloudflare": "SSL/TLS > Edge Certificates > HTTP Strict Transport Security (HSTS): "
        "enable, max-age 12 months, include subdomains",
    },
    "x-content-type-options": {
        "django": "SECURE_CONTENT_TYPE_NOSNIFF = True",
        "spring": "// Spring Security sends nosniff by default: keep http.headers() enabled",
    },
    "x-frame-options": {
        "django": "# django.middleware.clickjacking.XFrameOptionsMiddleware in MIDDLEWARE\n"
        'X_FRAME_OPTIONS = "SAMEORIGIN"',
        "spring": "http.headers(h -> h.frameOptions(f -> f.sameOrigin()));",
    },
    "referrer-policy": {
        "django": 'SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"',
        "spring": "http.headers(h -> h.referrerPolicy(r -> r.policy("
        "ReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN)));",
    },
    "cross-origin-opener-policy": {
        "django": 'SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"',
    },
    "content-security-policy": {
        "django": "# pip install django-csp\n"
        'CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["\'self\'"], '
        '"object-src": ["\'none\'"],\n    "base-uri": ["\'self\'"], '
        '"frame-ancestors": ["\'self\'"]}}',
        "spring": 'http.headers(h -> h.contentSecurityPolicy(c -> c.policyDirectives("{value}")));',
    },
}

PLACEHOLDERS = (
    "{host}",
    "{site}",
    "{origin_pattern}",
    "{origin}",
    "{name}",
    "{value}",
    "{cookie}",
)


def template_for(fix: Fix, framework: str) -> str | None:
    """The snippet template of ``fix`` for ``framework``; None when we have none."""
    if fix.kind == "set-header":
        own = HEADER_SNIPPETS.get(fix.header.lower(), {}).get(framework)
        if own is not None:
            return own
    return SNIPPETS.get(fix.kind, {}).get(framework)


def fill(template: str, values: dict[str, str]) -> str:
    """The template with its placeholders replaced; other braces are left as they are."""
    text = template
    for token in PLACEHOLDERS:
        key = token[1:-1]
        if key in values:
            text = text.replace(token, values[key])
    return text
