"""Benchmark: Harbour's Squid helper against squidGuard, on one core, on the same URL stream.

    .venv/bin/python bench/bench_squid.py                 # 1,000,000 URLs
    .venv/bin/python bench/bench_squid.py --urls 200000   # quicker

squidGuard (the Debian package) gets a ``squidGuard.conf`` and Berkeley DB files built with
``squidGuard -C all`` from the UT1 categories the sample policy (examples/policy.toml) marks
unacceptable for pupils, and one rule blocking them for everyone. Harbour's helper gets the
same UT1 lists and evaluates the whole policy: per-client groups from network ranges, devices
and users, time windows, approved overrides, safe search, and a decision event in the spool
for every request.

The stream imitates a school's proxy traffic: hosts drawn with a Zipf-like popularity, each
visit a page plus its assets (paths and query strings vary), a quarter of requests HTTPS
(``CONNECT host:443``), some searches, clients on the pupil, staff and guest networks; about
one request in six goes to a host in a blocked category. Both programs read the same request
lines from a file on stdin (Harbour's with Squid's concurrency channel IDs, as deployed) and
write their replies to a file, pinned to CPU 0 with ``taskset``. Printed: URLs per second for
each (wall time, start-up included), the ratio, and how far their block decisions agree for
pupils.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from harbour.filtering import ListStore, compile_policy  # noqa: E402
from harbour.policy import load_policy  # noqa: E402
from harbour.policy.matrix import judge_activity  # noqa: E402
from harbour.policy.model import Level  # noqa: E402
from harbour.policy.snapshot import DeviceEntry, Override, read_snapshot, write_snapshot  # noqa: E402

UT1 = REPO.parent / "shared" / "lists" / "ut1"
POLICY = REPO / "examples" / "policy.toml"
HARBOUR = Path(sys.executable).parent / "harbour"
PUPILS = "pupils-ks2"
BLOCK_URL = "http://harbour.school.example/blocked"
# Categories the policy leaves alone: where most allowed traffic goes.
ALLOWED_CATEGORIES = ["press", "sports", "bank", "jobsearch", "webmail", "cooking", "radio"]
LESSON_TIME = datetime(2026, 11, 24, 10, 30, tzinfo=UTC)  # a Tuesday, outside every window
NETWORKS = ("10.10", "10.10", "10.10", "10.20", "10.30")  # pupils, staff, guests


def pupil_blocked_categories() -> list[str]:
    """UT1 categories of the rows the policy makes unacceptable for pupils (any time)."""
    policy = load_policy(POLICY)
    found: list[str] = []
    for activity in policy.activities.values():
        verdict = judge_activity(policy, activity, frozenset([PUPILS]), LESSON_TIME)
        if verdict.level in (Level.UNACCEPTABLE, Level.UNACCEPTABLE_ILLEGAL, Level.NOMINATED_USERS):
            found += [c for c in activity.lists if (UT1 / c).is_dir() and c not in found]
    return found


def policy_categories() -> set[str]:
    """Every UT1 category any row of the policy names."""
    policy = load_policy(POLICY)
    return {c for a in policy.activities.values() for c in a.lists if (UT1 / c).is_dir()}


def read_domains(category: str, limit: int) -> list[str]:
    """Up to ``limit`` host names (no IP literals) from a UT1 category's domains file."""
    path = UT1 / category / "domains"
    if not path.is_file():
        return []
    names = []
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            name = line.strip().lower()
            if name and not name.replace(".", "").isdigit() and name.isascii():
                names.append(name)
    random.shuffle(names)
    return names[:limit]


# -- the URL stream ---------------------------------------------------------------------------

ASSETS = (
    "/static/css/site.{n}.css",
    "/static/js/app.{n}.js",
    "/images/photo-{n}.jpg",
    "/favicon.ico",
    "/api/v2/items?page={n}&sort=recent",
    "/fonts/sans-{n}.woff2",
)
PAGES = (
    "/",
    "/index.html",
    "/news/2026/11/story-{n}",
    "/article?id={n}&ref=home",
    "/category/{n}/",
)
SEARCHES = (
    "http://www.google.com/search?q=volcano+facts+{n}",
    "http://www.google.co.uk/search?q=times+tables+{n}&hl=en",
    "http://www.bing.com/search?q=rainforest+animals+{n}",
    "http://duckduckgo.com/?q=roman+britain+{n}",
    "http://www.youtube.com/results?search_query=science+experiment+{n}",
)


def zipf_hosts(names: list[str], count: int, rng: random.Random) -> list[str]:
    """``count`` draws from ``names`` with popularity falling as 1/rank."""
    weights = [1.0 / (rank + 1) for rank in range(len(names))]
    return rng.choices(names, weights=weights, k=count)


def stream(total: int, blocked: list[str], allowed: list[str], seed: int = 7) -> list[str]:
    """``total`` request lines (no channel IDs) in Squid's default url_rewrite_extras format."""
    rng = random.Random(seed)
    visits = total // 3 + 1  # a visit averages about 3.6 requests
    blocked_hosts = zipf_hosts(blocked, visits // 6, rng)
    allowed_hosts = zipf_hosts(allowed, visits - len(blocked_hosts), rng)
    hosts = blocked_hosts + allowed_hosts
    rng.shuffle(hosts)
    clients = [
        f"{rng.choice(NETWORKS)}.{rng.randrange(256)}.{rng.randrange(1, 255)}" for _ in range(600)
    ]
    lines: list[str] = []
    for host in hosts:
        client = rng.choice(clients)
        name = f"www.{host}" if rng.random() < 0.4 else host
        extras = f"{client}/- - GET myip=10.0.0.1 myport=3128"
        if rng.random() < 0.25:
            requests = [f"{name}:443 {client}/- - CONNECT myip=10.0.0.1 myport=3128"]
        else:
            n = rng.randrange(1000)
            requests = [f"http://{name}{rng.choice(PAGES).format(n=n)} {extras}"]
            requests += [
                f"http://{name}{rng.choice(ASSETS).format(n=rng.randrange(50))} {extras}"
                for _ in range(rng.randrange(2, 6))
            ]
        if rng.random() < 0.03:
            requests.append(f"{rng.choice(SEARCHES).format(n=rng.randrange(500))} {extras}")
        lines += requests
        if len(lines) >= total:
            break
    return lines[:total]


# -- the two contestants ----------------------------------------------------------------------


def build_squidguard(folder: Path, categories: list[str]) -> Path:
    """A squidGuard.conf and its db files for ``categories``; return the conf path."""
    db = folder / "db"
    dests = []
    for category in categories:
        target = db / category
        target.mkdir(parents=True)
        lines = [f"dest {category} {{"]
        for kind, keyword in (
            ("domains", "domainlist"),
            ("urls", "urllist"),
            ("expressions", "expressionlist"),
        ):
            source = UT1 / category / kind
            if source.is_file() and source.stat().st_size:
                shutil.copyfile(source, target / kind)
                lines.append(f"    {keyword} {category}/{kind}")
        dests.append("\n".join(lines) + "\n}\n")
    (folder / "logs").mkdir()
    blocked = " ".join(f"!{c}" for c in categories)
    conf = folder / "squidGuard.conf"
    conf.write_text(
        f"dbhome {db}\nlogdir {folder / 'logs'}\n\n"
        + "\n".join(dests)
        + f"\nacl {{\n    default {{\n        pass {blocked} all\n"
        f"        redirect 302:{BLOCK_URL}?url=%u\n    }}\n}}\n"
    )
    started = time.monotonic()
    subprocess.run(["squidGuard", "-c", str(conf), "-C", "all"], check=True, capture_output=True)
    print(f"  squidGuard -C all: {time.monotonic() - started:.1f} s")
    return conf


def build_harbour(folder: Path, categories: set[str], devices: list[str]) -> Path:
    """A data dir: the sample policy with users, devices and overrides, and the UT1 lists."""
    data = folder / "data"
    started = time.monotonic()
    ListStore(data / "lists").import_categories(UT1, categories)
    print(f"  harbour lists import: {time.monotonic() - started:.1f} s")
    compile_policy(POLICY, data)
    snapshot = read_snapshot(data / "policy.json")
    for index, ip in enumerate(devices):
        snapshot.devices.append(DeviceEntry(name=f"ks2-laptop-{index:02d}", group=PUPILS, ip=ip))
    snapshot.users.update({"t.teacher": ["staff"], "d.leader": [PUPILS, "digital-leaders"]})
    now = datetime.now(UTC)
    window = ((now - timedelta(hours=1)).isoformat(), (now + timedelta(hours=2)).isoformat())
    snapshot.overrides += [
        Override(1, "category:educational_games", (PUPILS,), *window, "Maths games, Year 5"),
        Override(2, "domain:bbc.co.uk", ("visitors",), *window, "Open day"),
        Override(3, "category:audio-video", ("digital-leaders",), *window, "Film club"),
    ]
    write_snapshot(data / "policy.json", snapshot)
    return data


def run(
    name: str, command: list[str], source: Path, target: Path, env: dict[str, str]
) -> tuple[float, float]:
    """Run ``command`` on CPU 0 with ``source`` as stdin; return (wall, CPU) seconds.

    CPU time (user + system, all threads) is the fair figure on a shared machine: the wall
    time also counts whatever else ran on that core.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(source, "rb") as stdin, open(target, "wb") as stdout:
        started = time.monotonic()
        subprocess.run(
            ["taskset", "-c", "0", *command], stdin=stdin, stdout=stdout, env=env, check=True
        )
        wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print(f"  {name}: {wall:.2f} s wall, {cpu:.2f} s CPU")
    return wall, cpu


def blocked_flags(replies: Path, harbour: bool) -> list[bool]:
    """Per reply line, whether it sends the client to the block page."""
    flags = []
    with open(replies, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            text = line.split(" ", 1)[1] if harbour else line
            flags.append(BLOCK_URL in text)
    return flags


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--urls", type=int, default=1_000_000, help="stream length (default 1M)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()
    for tool in ("squidGuard", "taskset"):
        if shutil.which(tool) is None:
            print(f"bench_squid: {tool} is not installed", file=sys.stderr)
            return 2
    random.seed(1)
    folder = Path(tempfile.mkdtemp(prefix="harbour-bench-squid-"))
    try:
        blocked_categories = pupil_blocked_categories()
        print(
            f"pupils' blocked UT1 categories ({len(blocked_categories)}): {', '.join(blocked_categories)}"
        )
        print("building:")
        conf = build_squidguard(folder / "squidguard", blocked_categories)
        devices = [f"10.10.{i}.{i + 1}" for i in range(20)]
        data = build_harbour(folder, policy_categories(), devices)
        blocked = [d for c in blocked_categories for d in read_domains(c, 1500)]
        allowed = [d for c in ALLOWED_CATEGORIES for d in read_domains(c, 4000)]
        lines = stream(args.urls, blocked, allowed)
        plain, channelled = folder / "requests.txt", folder / "requests-channels.txt"
        plain.write_text("\n".join(lines) + "\n")
        channelled.write_text("".join(f"{i % 100} {line}\n" for i, line in enumerate(lines)))
        print(f"stream: {len(lines):,} request lines, {len(set(lines)):,} distinct")
        env = {**os.environ, "HARBOUR_DATA_DIR": str(data)}
        print("running on CPU 0:")
        guard_out, harbour_out = folder / "squidguard.out", folder / "harbour.out"
        guard = run("squidGuard", ["squidGuard", "-c", str(conf)], plain, guard_out, env)
        helper_cmd = [str(HARBOUR), "squid-helper", "--block-url", BLOCK_URL]
        harbour = run("harbour squid-helper", helper_cmd, channelled, harbour_out, env)
        guard_flags = blocked_flags(guard_out, harbour=False)
        harbour_flags = blocked_flags(harbour_out, harbour=True)
        events = sum(p.read_bytes().count(b"\n") for p in (data / "spool").glob("*.jsonl"))
        assert len(guard_flags) == len(harbour_flags) == len(lines), "a reply is missing"
        pupils = [i for i, line in enumerate(lines) if " 10.10." in line]
        same = sum(guard_flags[i] == harbour_flags[i] for i in pupils)
        print()
        print(f"{'':24}{'URLs/CPU-s':>12}{'URLs/s wall':>13}{'blocked':>10}")
        for label, (wall, cpu), flags in (
            ("squidGuard 1.6", guard, guard_flags),
            ("Harbour squid-helper", harbour, harbour_flags),
        ):
            print(
                f"{label:24}{len(lines) / cpu:>12,.0f}{len(lines) / wall:>13,.0f}{sum(flags):>10,}"
            )
        print(
            f"ratio Harbour / squidGuard: {guard[1] / harbour[1]:.2f}x by CPU time, "
            f"{guard[0] / harbour[0]:.2f}x by wall time (target >= 5x)"
        )
        print(f"decision events spooled by Harbour: {events:,} of {len(lines):,}")
        print(
            f"pupil requests where both block or both allow: {same / len(pupils):.1%} "
            f"(Harbour also applies time windows, overrides, allow lists and URL forms)"
        )
    finally:
        if args.keep:
            print(f"work folder kept: {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
