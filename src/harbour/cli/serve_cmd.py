"""``harbour serve``: the web application on a production WSGI server (waitress)."""

from __future__ import annotations

import argparse

from harbour.cli.django_env import setup_django


def parse_listen(value: str, default_host: str = "127.0.0.1") -> tuple[str, int]:
    """Split ``HOST:PORT`` (or just ``PORT``) with a clear error."""
    host, _, port = value.rpartition(":")
    host = host.strip("[]") or default_host
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError(f"{value!r} is not HOST:PORT")
    return host, int(port)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``serve`` command."""
    serve = sub.add_parser("serve", help="serve the web application")
    serve.add_argument("--listen", type=parse_listen, default=("127.0.0.1", 8000), metavar="HOST:PORT")
    serve.add_argument("--threads", type=int, default=8)
    serve.set_defaults(func=_serve)


def _serve(args: argparse.Namespace) -> int:
    setup_django(migrate=True)
    from waitress import serve

    from harbour.web.wsgi import application

    host, port = args.listen
    serve(application, host=host, port=port, threads=args.threads, ident="Harbour")
    return 0
