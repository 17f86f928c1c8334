"""`vrest serve`: the explorer page and its JSON API (FastAPI on uvicorn)."""

from __future__ import annotations

import argparse
import socket

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
#: Allowed range of --max-seconds (s).
SECONDS_RANGE = (0.5, 3600.0)


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add `vrest serve` to the `vrest` parser."""
    from vrest.web.defaults import DEFAULT_QUEUE, DEFAULT_SECONDS, DEFAULT_WORKERS

    parser = subparsers.add_parser(
        "serve", help="start the interactive explorer (a web page and its JSON API)",
        description="Serve the explorer at http://HOST:PORT/ (API under /api, OpenAPI description "
                    "at /openapi.json). Binds to 127.0.0.1 (this machine only) unless told otherwise.")
    parser.add_argument("--host", default=DEFAULT_HOST,
                        help=f"address to bind (default {DEFAULT_HOST}: this machine only)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help=f"TCP port, 1-65535 (default {DEFAULT_PORT})")
    parser.add_argument("--max-seconds", default=str(DEFAULT_SECONDS), metavar="S",
                        help=f"wall-time budget of one computation in s, {SECONDS_RANGE[0]:g}-"
                             f"{SECONDS_RANGE[1]:g}; a request over it is stopped and answered "
                             f"422 (default {DEFAULT_SECONDS:g})")
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS, metavar="N",
                        help=f"computations run at a time, 1-64 (default {DEFAULT_WORKERS})")
    parser.add_argument("--queue", type=int, default=DEFAULT_QUEUE, metavar="N",
                        help="computations waiting for a worker, 0-1000; more are answered 503 "
                             f"(default {DEFAULT_QUEUE})")
    parser.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                        help="a Host name the server answers besides localhost and the bound "
                             "address (repeatable)")
    parser.set_defaults(func=serve)


def check_options(args: argparse.Namespace) -> None:
    """Refuse out-of-range options with one line naming the option."""
    from vrest.errors import ParameterError

    if not 1 <= args.port <= 65535:
        raise ParameterError(f"--port: {args.port} is not a TCP port; allowed 1-65535")
    from vrest.cli.parsing import parse_number

    args.max_seconds = parse_number(args.max_seconds, "--max-seconds", "s")
    lo, hi = SECONDS_RANGE
    if not lo <= args.max_seconds <= hi:
        raise ParameterError(f"--max-seconds: {args.max_seconds:g} s is outside the allowed "
                             f"range {lo:g}-{hi:g} s")
    if not 1 <= args.workers <= 64:
        raise ParameterError(f"--workers: {args.workers} is outside the allowed range 1-64")
    if not 0 <= args.queue <= 1000:
        raise ParameterError(f"--queue: {args.queue} is outside the allowed range 0-1000")


def check_port_free(host: str, port: int) -> None:
    """Refuse a port that cannot be listened on (busy, privileged, bad address) in one line."""
    from vrest.errors import ParameterError

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise ParameterError(f"--host {host[:60]!r}: not an address of this machine ({exc})") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise ParameterError(f"--port {port}: cannot listen on {host}:{port} ({reason}); is "
                                 "another server running there? give another --port") from None


def serve(args: argparse.Namespace) -> int:
    """Run the server until interrupted."""
    from vrest.errors import ParameterError

    check_options(args)
    try:
        import uvicorn

        from vrest.web.app import create_app
        from vrest.web.hosts import allowed_names
    except ModuleNotFoundError as exc:
        raise ParameterError(f"vrest serve needs the web extra ({exc.name} is missing); install "
                             "it with: pip install 'vrest[web]'") from None
    check_port_free(args.host, args.port)
    app = create_app(max_seconds=args.max_seconds, workers=args.workers, queue=args.queue,
                     allowed_hosts=allowed_names(args.host, args.allow_host))
    print(f"vrest explorer on http://{args.host}:{args.port}/ (Ctrl-C stops it; "
          f"{args.max_seconds:g} s per computation)", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0
