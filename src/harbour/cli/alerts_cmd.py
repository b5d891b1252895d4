"""``harbour alerts``: ingest tokens for the text-event API, and sending alert notifications."""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import sys
import time
from pathlib import Path

from harbour.cli import demo_cmd
from harbour.cli.django_env import setup_django
from harbour.cli.serve_cmd import parse_listen
from harbour.paths import data_dir

DEMO_MAIL_PORT = 8025


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``alerts`` command group."""
    alerts = sub.add_parser("alerts", help="monitoring alerts: API tokens, notifications")
    actions = alerts.add_subparsers(dest="alerts_command", metavar="ACTION", required=True)
    token = actions.add_parser("token", help="bearer tokens for POST /api/monitoring/events")
    token_actions = token.add_subparsers(dest="token_command", metavar="ACTION", required=True)
    create = token_actions.add_parser("create", help="make a token (shown once, stored hashed)")
    create.add_argument("name", help="what will use it, e.g. 'chromebook-agent'")
    create.set_defaults(func=_token_create)
    revoke = token_actions.add_parser("revoke", help="stop a token working")
    revoke.add_argument("name")
    revoke.set_defaults(func=_token_revoke)
    token_actions.add_parser("list", help="the tokens and when each was last used").set_defaults(
        func=_token_list
    )
    deliver = actions.add_parser("deliver", help="send due alert emails and webhooks")
    deliver.add_argument(
        "--every",
        type=float,
        metavar="SECONDS",
        help="keep sending every SECONDS (without the worker)",
    )
    deliver.set_defaults(func=_deliver)
    sink = actions.add_parser(
        "mail-sink", help="demo/trial only: catch Harbour's emails on a local port as .eml files"
    )
    sink.add_argument(
        "--listen", type=parse_listen, default=("127.0.0.1", 8025), metavar="HOST:PORT"
    )
    sink.add_argument("--dir", type=Path, help="where to keep the messages (default DATA/mail)")
    sink.set_defaults(func=_mail_sink)
    actions.add_parser("purge", help="delete closed alerts past the retention period").set_defaults(
        func=_purge
    )


def _actor() -> str:
    from harbour.cli.people_cmd import cli_actor

    return cli_actor()


def _token_create(args: argparse.Namespace) -> int:
    setup_django(migrate=True)
    from harbour.apps.alerts.tokens import TokenError, create_token

    try:
        token = create_token(args.name, _actor())
    except TokenError as error:
        print(f"harbour alerts token create: {error}", file=sys.stderr)
        return 2
    print(token)
    print(
        f"token {args.name!r} created. It is shown only now: send it as "
        "'Authorization: Bearer <token>'.",
        file=sys.stderr,
    )
    return 0


def _token_revoke(args: argparse.Namespace) -> int:
    setup_django(migrate=True)
    from harbour.apps.alerts.tokens import TokenError, revoke_token

    try:
        revoke_token(args.name, _actor())
    except TokenError as error:
        print(f"harbour alerts token revoke: {error}", file=sys.stderr)
        return 2
    print(f"token {args.name!r} revoked")
    return 0


def _token_list(args: argparse.Namespace) -> int:
    setup_django(migrate=True)
    from harbour.apps.alerts.models import IngestToken

    for row in IngestToken.objects.order_by("name"):
        state = f"revoked {row.revoked_at:%Y-%m-%d}" if row.revoked_at else "working"
        used = f"{row.last_used_at:%Y-%m-%d %H:%M}" if row.last_used_at else "never"
        print(f"{row.name:<30} {row.prefix}…  {state:<18} last used {used}")
    return 0


def _deliver(args: argparse.Namespace) -> int:
    setup_django(migrate=True)
    from harbour.apps.alerts.routing import deliver_pending

    while True:
        sent = deliver_pending()
        if args.every is None:
            print(f"{sent} notification(s) sent")
            return 0
        time.sleep(args.every)


def _purge(args: argparse.Namespace) -> int:
    setup_django(migrate=True)
    from harbour.apps.alerts.retention import purge_expired

    print(f"{purge_expired()} closed alert(s) deleted")
    return 0


def _mail_sink(args: argparse.Namespace) -> int:
    from harbour.apps.alerts.mailsink import serve

    host, port = args.listen
    folder = args.dir or data_dir() / "mail"
    print(f"catching mail on {host}:{port} into {folder} (demo only: nothing is delivered)")
    try:
        asyncio.run(serve(host, port, folder))
    except OSError as error:
        print(f"harbour alerts mail-sink: cannot listen on {host}:{port}: {error}", file=sys.stderr)
        return 2
    return 0


def _free_port(preferred: int) -> int:
    """``preferred`` if nothing listens there, else any free loopback port."""
    for port in (preferred, 0):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return probe.getsockname()[1]
    raise OSError("no free loopback port for the demo mail catcher")


def demo_mail(args: argparse.Namespace, data: Path) -> list[tuple[str, list[str], str]]:
    """In the demo, alert emails go to a local mail catcher unless SMTP is configured."""
    if os.environ.get("HARBOUR_SMTP_HOST"):
        return []
    port = _free_port(DEMO_MAIL_PORT)
    # Set before the demo starts its children, so the web server and worker mail the sink.
    os.environ["HARBOUR_SMTP_HOST"] = "127.0.0.1"
    os.environ["HARBOUR_SMTP_PORT"] = str(port)
    os.environ.setdefault("HARBOUR_BASE_URL", "http://{}:{}".format(*args.listen))
    argv = [
        sys.executable,
        "-m",
        "harbour.cli",
        "alerts",
        "mail-sink",
        "--listen",
        f"127.0.0.1:{port}",
        "--dir",
        str(data / "mail"),
    ]
    return [("mail", argv, f"Alert emails: caught in {data / 'mail'} (printed here)")]


def seed_demo_alerts(actor: str) -> None:
    """A few realistic alerts for the demo's DSL, once (they are not emailed)."""
    from harbour.apps.alerts.demo import seed

    seed(actor)


if seed_demo_alerts not in demo_cmd.demo_seeders:
    demo_cmd.demo_seeders.append(seed_demo_alerts)
if demo_mail not in demo_cmd.demo_processes:
    demo_cmd.demo_processes.append(demo_mail)
