"""What keeps a browser safe on the API's pages: security headers on every answer, and the API documentation page
served with Swagger UI's assets from the installed package (fastapi-offline's copy), never from a CDN.

The Content-Security-Policy allows scripts, styles and connections to this origin only and no inline script (the
page and the documentation page load their scripts from /static and /docs-assets), and forbids framing.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
# Swagger UI's files (5.x, for OpenAPI 3.1) as the fastapi-offline package ships them, served at DOCS_ASSETS.
SWAGGER_UI_DIR = Path(fastapi_offline.__file__).parent / "static"
DOCS_ASSETS = "/docs-assets"


class SecurityHeaders:
    """ASGI middleware: SECURITY_HEADERS on every HTTP answer (HTML, JSON, CSV and files alike)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, with_headers)
