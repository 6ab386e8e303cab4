"""A small real API whose endpoints answer CORS differently, with its OpenAPI description.

- ``/v1/users/{id}``: an allow-list of one origin (``https://app.example``), preflights granted;
- ``/v1/orders/{orderId}``: reflects any origin, with credentials — the endpoint a scan must name;
- ``/v1/public``: ``*`` without credentials;
- ``/v1/admin``: the allow-list again, but its preflights grant only GET, so DELETE is refused.

Everything else (the root, the OpenAPI document) has no CORS headers.
"""

from __future__ import annotations

import json

from tests.targets import Answer, ReceivedRequest

APP = "https://app.example"

OPENAPI = {
    "openapi": "3.0.3",
    "info": {"title": "Shop API", "version": "1.2"},
    "servers": [{"url": "https://shop.example/v1"}],
    "paths": {
        "/users/{id}": {
            "parameters": [{"name": "id", "in": "path", "schema": {"type": "integer"}}],
            "get": {"responses": {"200": {"description": "a user"}}},
            "put": {"responses": {"200": {"description": "updated"}}},
        },
        "/orders/{orderId}": {
            "get": {
                "parameters": [
                    {
                        "name": "orderId",
                        "in": "path",
                        "schema": {"type": "string", "format": "uuid"},
                    }
                ],
                "responses": {"200": {"description": "an order"}},
            },
            "delete": {"responses": {"204": {"description": "gone"}}},
        },
        "/public": {"get": {"responses": {"200": {"description": "public data"}}}},
        "/admin": {
            "get": {"responses": {"200": {"description": "settings"}}},
            "delete": {"responses": {"204": {"description": "reset"}}},
        },
    },
}

OPENAPI_YAML = """\
openapi: "3.1.0"
info:
  title: Shop API
  version: "1.2"
servers:
  - url: /v1
paths:
  /users/{id}:
    get: {responses: {"200": {description: a user}}}
    put: {responses: {"200": {description: updated}}}
  /orders/{orderId}:
    get: {responses: {"200": {description: an order}}}
    delete: {responses: {"204": {description: gone}}}
  /public:
    get: {responses: {"200": {description: public data}}}
  /admin:
    get: {responses: {"200": {description: settings}}}
    delete: {responses: {"204": {description: reset}}}
"""

JSON = [("Content-Type", "application/json")]


def _allow_list(request: ReceivedRequest, methods: str) -> list[tuple[str, str]]:
    if request.header("Origin") != APP:
        return [("Vary", "Origin")]
    headers = [("Access-Control-Allow-Origin", APP), ("Vary", "Origin")]
    if request.method == "OPTIONS":
        headers += [
            ("Access-Control-Allow-Methods", methods),
            ("Access-Control-Allow-Headers", "content-type, authorization"),
        ]
    return headers


def _reflect(request: ReceivedRequest) -> list[tuple[str, str]]:
    origin = request.header("Origin")
    if not origin:
        return []
    headers = [
        ("Access-Control-Allow-Origin", origin),
        ("Access-Control-Allow-Credentials", "true"),
        ("Vary", "Origin"),
    ]
    if request.method == "OPTIONS":
        headers += [
            ("Access-Control-Allow-Methods", "GET, DELETE"),
            ("Access-Control-Allow-Headers", "content-type, authorization"),
        ]
    return headers


def respond(request: ReceivedRequest) -> Answer:
    path = request.path.split("?", 1)[0]
    status = 204 if request.method == "OPTIONS" else 200
    if path == "/openapi.json":
        return 200, JSON, json.dumps(OPENAPI).encode()
    if path == "/openapi.yaml":
        return 200, [("Content-Type", "application/yaml")], OPENAPI_YAML.encode()
    if path.startswith("/v1/users/"):
        return status, JSON + _allow_list(request, "GET, PUT"), b'{"id": 1}'
    if path.startswith("/v1/orders/"):
        return status, JSON + _reflect(request), b'{"order": 1}'
    if path == "/v1/public":
        return status, JSON + [("Access-Control-Allow-Origin", "*")], b"[]"
    if path == "/v1/admin":
        return status, JSON + _allow_list(request, "GET"), b"{}"
    if path in ("/", "/v1", "/v1/"):
        return 200, JSON + _allow_list(request, "GET"), b'{"api": "shop"}'
    return 404, JSON, b'{"error": "not found"}'
