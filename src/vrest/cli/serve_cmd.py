"""`vrest serve`: the explorer page and its JSON API (FastAPI on uvicorn)."""

from __future__ import annotations

import argparse

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add `vrest serve` to the `vrest` parser."""
    parser = subparsers.add_parser(
        "serve", help="start the interactive explorer (a web page and its JSON API)",
        description="Serve the explorer at http://HOST:PORT/ (API under /api, OpenAPI description "
                    "at /openapi.json). Binds to 127.0.0.1 (this machine only) unless told otherwise.")
    parser.add_argument("--host", default=DEFAULT_HOST,
                        help=f"address to bind (default {DEFAULT_HOST}: this machine only)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help=f"TCP port, 1-65535 (default {DEFAULT_PORT})")
    parser.set_defaults(func=serve)


def serve(args: argparse.Namespace) -> int:
    """Run the server until interrupted."""
    from vrest.errors import ParameterError

    if not 1 <= args.port <= 65535:
        raise ParameterError(f"--port: {args.port} is not a TCP port; allowed 1-65535")
    try:
        import uvicorn

        from vrest.web.app import create_app
    except ModuleNotFoundError as exc:
        raise ParameterError(f"vrest serve needs the web extra ({exc.name} is missing); install "
                             "it with: pip install 'vrest[web]'") from None
    print(f"vrest explorer on http://{args.host}:{args.port}/ (Ctrl-C stops it)", flush=True)
    uvicorn.run(create_app(), host=args.host, port=args.port, log_level="warning")
    return 0
