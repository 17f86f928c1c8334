"""The explorer's web application: a JSON API (OpenAPI at /openapi.json) and one static page.

``create_app()`` builds a FastAPI app. Computations run in stoppable worker processes under a
per-request wall-time budget with a bounded queue (:mod:`.budget`); the event loop only waits
for them, so ``/api/health`` is always answered. Every error is JSON ``{"error": message}``
(plus ``errors``: [{field, message}] for bad fields) with a 4xx status (503 with Retry-After
when the queue is full); a Host header that is not an allowed name is refused with 421
(:mod:`.hosts`). Swagger's /docs is
off (it would load scripts from a CDN); the page itself needs no network.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vrest._version import __version__
from vrest.errors import VrestError
from vrest.model.presets.loader import DEFAULT_PRESET
from vrest.web import cells, compute, experiments, schemas
from vrest.web import guide as guide  # loaded with the app, as before (vrest.story with it)
from vrest.web.budget import Budget, Outcome
from vrest.web.hosts import HostCheck

log = logging.getLogger("vrest.web")
STATIC = Path(str(resources.files("vrest.web").joinpath("static")))
CSP = ("default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "connect-src 'self'; frame-ancestors 'none'")


def error(status: int, message: str, errors: list[dict[str, str]] | None = None) -> JSONResponse:
    """A JSON error response."""
    body: dict[str, Any] = {"error": message}
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status)


class BodyLimit:
    """Refuse request bodies larger than ``limit`` bytes with 413 (checked while reading)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await self._refuse(scope, receive, send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise _TooLarge
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLarge:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = error(413, f"request body too large; at most {self.limit} bytes are accepted")
        await response(scope, receive, send)


class _TooLarge(Exception):
    pass


class SecurityHeaders:
    """Add nosniff and the CSP to every answer (a pure ASGI middleware: it leaves the request's
    receive channel alone, so a computation notices when its client goes away)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                headers.append((b"x-content-type-options", b"nosniff"))
                if b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", CSP.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


_TYPE_TAGS = ("float", "int", "str", "bool")


def _field(loc: tuple[Any, ...]) -> str:
    """The field a validation error is about: a parameter's own dotted name for ``params``."""
    parts = [str(p) for p in loc if p not in ("body", "query", "path")]
    parts = [p for p in parts if p not in _TYPE_TAGS and "[" not in p and "-" not in p]
    if parts[:1] == ["params"] and len(parts) > 1:
        parts = parts[1:]
    return ".".join(parts) if parts else "request"


_HELP = {
    "t_end": f"the simulated time in s: more than 0 and at most {schemas.MAX_T_END_S:g} s (one day)",
    "points": f"the number of output times: {schemas.MIN_POINTS} to {schemas.MAX_POINTS}",
    "preset": "a preset name such as rpl1 (see /api/presets)",
    "experiment.name": "one of " + ", ".join(schemas.EXPERIMENTS),
}


def _validation_message(err: dict[str, Any]) -> tuple[str, str]:
    field = _field(tuple(err.get("loc", ())))
    text = str(err.get("msg", "invalid value"))
    if err.get("type") == "string_pattern_mismatch":
        text = "not a valid name (parameters look like bath.K or leak.Na.P; presets like rpl1)"
    hint = _HELP.get(field) or next((h for k, h in _HELP.items() if field.startswith(k)), "")
    given = err.get("input")
    shown = f" (got {given!r})" if isinstance(given, int | float | str) and len(repr(given)) < 40 else ""
    return field, f"{field}: {text}{shown}" + (f"; expected {hint}" if hint else "")


def install_handlers(app: FastAPI) -> None:
    """JSON errors for every failure (see the module docstring)."""

    @app.exception_handler(cells.FieldErrors)
    async def _fields(_: Request, exc: cells.FieldErrors) -> JSONResponse:
        return error(422, str(exc), [{"field": f, "message": m} for f, m in exc.errors])

    @app.exception_handler(VrestError)
    async def _vrest(_: Request, exc: VrestError) -> JSONResponse:
        field = cells.field_of(str(exc))
        errors = [{"field": field, "message": str(exc)}] if field else None
        return error(422, str(exc), errors)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        pairs = list(dict(reversed([_validation_message(e) for e in exc.errors()[:20]])).items())
        return error(422, "; ".join(m for _, m in pairs),
                     [{"field": f, "message": m} for f, m in pairs])

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return error(exc.status_code, str(exc.detail))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected %s on %s: %s", type(exc).__name__, request.url.path, exc)
        return error(500, f"internal error ({type(exc).__name__}); the request was not processed")


def add_routes(app: FastAPI) -> None:
    """The API endpoints and the page."""

    @app.get("/api/health", tags=["meta"])
    async def health() -> dict[str, str]:
        """Liveness and version (answered by the event loop, never behind a computation)."""
        return {"status": "ok", "version": __version__}

    @app.get("/api/presets", tags=["presets"])
    def list_presets() -> list[dict[str, str | bool]]:
        """Name and title of every built-in preset, and which is the default."""
        return cells.preset_summaries()

    @app.get("/api/presets/{name}", tags=["presets"])
    def get_preset(name: str) -> JSONResponse:
        """A preset's parameters (value, unit, allowed range, slider range) and mechanisms."""
        if name not in cells.preset_names():
            shown = name if len(name) <= 40 else name[:40] + "..."
            return error(404, f"unknown preset {shown!r}; valid: {', '.join(cells.preset_names())}")
        return JSONResponse(cells.preset_detail(name))

    @app.get("/api/experiments", tags=["experiments"])
    def list_experiments() -> list[dict[str, Any]]:
        """The one-click experiments and their values."""
        return experiments.listing()

    async def computed(kind: str, key: str, request: Request) -> JSONResponse:
        budget: Budget = request.app.state.budget
        start = time.monotonic()
        outcome: Outcome = await budget.run(kind, key, request.is_disconnected)
        headers = {"Retry-After": str(outcome.retry_after)} if outcome.retry_after else {}
        headers["X-Vrest-Seconds"] = f"{time.monotonic() - start:.3f}"  # in the budget's hands
        if outcome.cached:
            headers["X-Vrest-Cache"] = "hit"
        return JSONResponse(outcome.body, status_code=outcome.status, headers=headers)

    @app.post("/api/simulate", tags=["compute"])
    async def simulate(req: schemas.SimulateRequest, request: Request) -> JSONResponse:
        """A time course (log-spaced times), optionally with an experiment."""
        return await computed("simulate", compute.request_key(req), request)

    @app.post("/api/steady", tags=["compute"])
    async def steady(req: schemas.CellRequest, request: Request) -> JSONResponse:
        """The cell's verified steady state with its stability."""
        return await computed("steady", compute.request_key(req), request)

    @app.post("/api/explain", tags=["compute"])
    async def explain(req: schemas.ExplainRequest, request: Request) -> JSONResponse:
        """Driving force, flux and current direction of every ion, in words and numbers."""
        return await computed("explain", compute.request_key(req), request)

    @app.get("/api/guide", tags=["guide"])
    async def get_guide(request: Request,
                        preset: str = Query(DEFAULT_PRESET, pattern=r"^[a-z0-9_]{1,40}$")) -> JSONResponse:
        """The lecture's steps, each computed, for the guided mode."""
        return await computed("guide", preset, request)

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"Content-Security-Policy": CSP})


@asynccontextmanager
async def _warm(app: FastAPI) -> AsyncIterator[None]:
    """Start the compute workers' forkserver when the server starts, not on the first request."""
    await app.state.budget.warm()
    yield


def create_app(max_seconds: float | None = None, workers: int | None = None,
               queue: int | None = None, allowed_hosts: list[str] | None = None) -> FastAPI:
    """The explorer application: ``max_seconds`` of wall time per computation, ``workers``
    computations at a time, ``queue`` more waiting (defaults in :mod:`.budget`);
    ``allowed_hosts``: the Host header names accepted (None: any, for tests and embedding)."""
    app = FastAPI(title="vrest explorer", version=__version__, docs_url=None, redoc_url=None,
                  lifespan=_warm,
                  description="Compute, simulate and explain a neuron's resting membrane potential. "
                              "Units: mV, mM, s, um, cm/s, mS/cm^2, uF/cm^2, pA, degC; fluxes and "
                              "currents positive outward.")
    options = {"max_seconds": max_seconds, "workers": workers, "queue": queue}
    app.state.budget = Budget(**{k: v for k, v in options.items() if v is not None})
    install_handlers(app)
    add_routes(app)

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    app.add_middleware(SecurityHeaders)
    app.add_middleware(BodyLimit, limit=schemas.MAX_BODY_BYTES)
    if allowed_hosts is not None:
        app.add_middleware(HostCheck, allowed=allowed_hosts)
    return app
