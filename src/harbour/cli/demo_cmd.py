"""``harbour demo``: the sample school, running, from nothing."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from importlib import resources
from pathlib import Path

from harbour.cli.django_env import setup_django
from harbour.cli.serve_cmd import parse_listen
from harbour.paths import DATA_ENV, ensure_data_dir

DEMO_PASSWORD = "oakbridge-demo"

# Other areas add the processes the demo runs beside the web server: callables
# (args, data_dir) -> list of (label, argv, description) tuples.
demo_processes: list = []
# Other areas add demo data after the sample school is loaded: callables (actor) -> None,
# each idempotent (the demo may run again on the same data directory).
demo_seeders: list = []


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``demo`` command."""
    demo = sub.add_parser("demo", help="set up the sample school and run Harbour")
    demo.add_argument("--listen", type=parse_listen, default=("127.0.0.1", 8000), metavar="HOST:PORT")
    demo.add_argument("--setup-only", action="store_true", help="prepare the data directory and exit")
    demo.set_defaults(func=_demo)


def sample_policy_path() -> Path:
    """The sample school's policy file shipped with Harbour."""
    return Path(str(resources.files("harbour.sample").joinpath("policy.toml")))


def _ut1_source() -> tuple[Path, str]:
    """The fullest category collection at hand: $HARBOUR_UT1, a UT1 folder beside the checkout
    (shared/lists/ut1), else the small extract shipped for the demo."""
    candidates = [os.environ.get("HARBOUR_UT1", "")]
    repo = Path(__file__).resolve().parents[3]
    candidates += [str(repo.parent / "shared" / "lists" / "ut1"), str(Path.cwd().parent / "shared" / "lists" / "ut1")]
    for candidate in candidates:
        if candidate and Path(candidate).is_dir():
            return Path(candidate), "the UT1 collection"
    return Path(str(resources.files("harbour.sample").joinpath("ut1-starter"))), "a small UT1 extract"


def seed_lists() -> str:
    """Import category lists and the demo's locked feeds unless lists are already serving."""
    from harbour.filtering.lists import ListStore
    from harbour.paths import lists_dir

    store = ListStore(lists_dir())
    if store.generation() is not None:
        return "lists already imported"
    source, label = _ut1_source()
    store.import_categories(source)
    locked = Path(str(resources.files("harbour.sample").joinpath("locked")))
    for feed in sorted(locked.glob("*.txt")):
        store.import_locked(feed.stem, feed)
    return f"imported {label} from {source} and the demo locked feeds"


def set_up(actor: str = "demo") -> list[tuple[str, str, str]]:
    """Migrate, adopt the sample policy, load the sample school and its logins.

    Idempotent: running the demo again keeps what is there. Returns the demo logins.
    """
    setup_django(migrate=True)
    from harbour.apps.accounts import totp
    from harbour.apps.accounts.models import Profile
    from harbour.apps.accounts.service import ensure_login
    from harbour.apps.people.models import Person
    from harbour.apps.people.roster import apply_plan, parse_roster, plan_import
    from harbour.apps.people.sample import DEMO_GOVERNOR, DEMO_STAFF, sample_roster
    from harbour.apps.policies.service import adopt_policy, current_policy, write_gateway_snapshot

    print(f"harbour demo: {seed_lists()}")
    path = sample_policy_path()
    adopt_policy(path.read_text(encoding="utf-8"), "examples/policy.toml", actor)
    if not Person.objects.exists():
        rows = parse_roster(sample_roster(), "sample roster", current_policy())
        apply_plan(plan_import(rows), actor)
    logins = []
    for username, role, first, last in [*DEMO_STAFF, DEMO_GOVERNOR]:
        user = ensure_login(username, role, DEMO_PASSWORD, actor, first, last,
                            f"{username}@oakbridge.example.sch.uk")
        secret = ""
        if role in {"dsl", "deputy-dsl", "headteacher"}:
            secret = totp.ensure_secret(Profile.objects.get(user=user))
        logins.append((username, role, secret))
    for seed in demo_seeders:
        seed(actor)
    write_gateway_snapshot()
    return logins


def _print_welcome(host: str, port: int, logins: list[tuple[str, str, str]], extra: list[str]) -> None:
    print()
    print("Harbour is running the sample school, Oakbridge Primary (fictional).")
    print(f"  Web:          http://{host}:{port}/")
    for line in extra:
        print(f"  {line}")
    print(f"  Data:         {os.environ.get(DATA_ENV)}")
    print()
    print(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for username, role, secret in logins:
        note = f"  second factor key: {secret}" if secret else ""
        print(f"  {username:<15} {role:<14}{note}")
    print("The DSL, deputy and headteacher add their key to an authenticator app to read records.")
    print("Press Ctrl+C to stop.")
    sys.stdout.flush()


def _demo(args: argparse.Namespace) -> int:
    data = ensure_data_dir()
    os.environ[DATA_ENV] = str(data)
    logins = set_up()
    if args.setup_only:
        print(f"demo data ready in {data}")
        return 0
    host, port = args.listen
    children: list[tuple[str, subprocess.Popen[bytes]]] = []
    extra: list[str] = []
    harbour = [sys.executable, "-m", "harbour.cli"]
    plans = [("web", [*harbour, "serve", "--listen", f"{host}:{port}"], "")]
    for provider in demo_processes:
        plans.extend(provider(args, data))
    for label, argv, description in plans:
        children.append((label, subprocess.Popen(argv)))
        if description:
            extra.append(description)
    time.sleep(1.0)
    _print_welcome(host, port, logins, extra)
    try:
        while all(child.poll() is None for _, child in children):
            time.sleep(0.5)
        for label, child in children:
            if child.poll() is not None:
                print(f"harbour demo: the {label} process stopped (exit {child.returncode})", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        for _, child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for _, child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
