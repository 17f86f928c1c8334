"""The Host header check: a page on another site cannot drive the local API (DNS rebinding).

A request whose Host header names neither a localhost name nor an allowed name is refused with
421 before it reaches a route. ``vrest serve`` allows the localhost names and the address it
binds to; bound to every interface (0.0.0.0 or ::), it accepts any name unless
``--allow-host`` names them.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

LOCAL_NAMES = ("localhost", "127.0.0.1", "::1")
WILDCARDS = ("0.0.0.0", "::", "")


def allowed_names(bound: str, extra: Iterable[str] = ()) -> list[str] | None:
    """The Host names a server bound to ``bound`` accepts (None: any)."""
    extra = [e.strip().lower() for e in extra if e.strip()]
    if bound in WILDCARDS and not extra:
        return None
    return sorted({*LOCAL_NAMES, bound.lower().strip("[]"), *extra} - set(WILDCARDS))


def host_name(header: str) -> str:
    """The name part of a Host header (without the port; IPv6 without brackets)."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


class HostCheck:
    """ASGI middleware refusing requests whose Host is not allowed."""

    def __init__(self, app: ASGIApp, allowed: Iterable[str]) -> None:
        self.app, self.allowed = app, {a.lower() for a in allowed}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            header = dict(scope.get("headers", [])).get(b"host", b"").decode("latin-1")
            if host_name(header) not in self.allowed:
                shown = header[:60]
                response = JSONResponse(
                    {"error": f"Host {shown!r} is not served here; allowed: "
                              f"{', '.join(sorted(self.allowed))} (vrest serve --allow-host)"},
                    status_code=421)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
