"""What keeps a browser safe on the API's pages: security headers on every answer, and the API documentation page
served with Swagger UI's assets from the installed package (swagger-ui-bundle), never from a CDN.

The Content-Security-Policy allows scripts, styles and connections to this origin only and no inline script (the
page and the documentation page load their scripts from /static and /docs-assets), and forbids framing.
"""

from __future__ import annotations

from pathlib import Path

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from swagger_ui_bundle import swagger_ui_path

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
# Swagger UI's files as the package ships them, mounted at DOCS_ASSETS.
SWAGGER_UI_DIR = Path(str(swagger_ui_path))
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
