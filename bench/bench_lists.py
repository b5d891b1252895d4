"""Benchmark: Harbour's compiled lists at full size, side by side with squidGuard.

    .venv/bin/python bench/bench_lists.py            # 5 million domains, everything
    .venv/bin/python bench/bench_lists.py --domains 500000 --no-squidguard   # quick look

Generates a UT1-format collection whose ``adult`` category has N generated domains (split as
``domains.0``, ``domains.1``, ... like the real one) plus the real UT1 categories, compiles it,
and measures:

- compiled load time in a fresh process (targets: <= 5 s);
- memory of one process holding the lists with the full sample policy (<= 300 MB RSS);
- eight such processes together, by PSS (<= 1.5x one process); eight children served by
  ``harbour squid-pool`` (one loaded engine, a forked worker per child), the same way;
- per-decision latency in-process over the full policy (p99 < 1 ms);
- the same list in squidGuard 1.6 (Debian): database build, start-up to first answer, memory.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import shutil
import statistics
import string
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parent.parent
UT1 = REPO.parent / "shared" / "lists" / "ut1"
POLICY = REPO / "examples" / "policy.toml"
PARTS = 5
GROUPS = ["pupils-ks2", "staff", "digital-leaders", "visitors", "pupils-ks1"]
TLDS = ["com", "net", "org", "fr", "de", "co.uk", "info", "xyz", "ru", "io"]


def generated_domains(count: int, seed: int = 5) -> list[str]:
    """``count`` distinct, realistic-looking domain names."""
    rng = random.Random(seed)
    letters = string.ascii_lowercase
    names = []
    for index in range(count):
        stem = "".join(rng.choices(letters, k=rng.randint(5, 12)))
        names.append(f"{stem}{index:x}.{TLDS[index % len(TLDS)]}")
    return names


def build_source(work: Path, domains: list[str]) -> Path:
    """A UT1 collection: the real categories, with ``adult`` replaced by the generated list."""
    source = work / "src"
    shutil.copytree(UT1, source, symlinks=True)
    adult = source / "adult"
    adult.chmod(0o755)
    for stale in adult.glob("domains*"):
        stale.unlink()
    size = -(-len(domains) // PARTS)
    for part in range(PARTS):
        chunk = domains[part * size : (part + 1) * size]
        (adult / f"domains.{part}").write_text("\n".join(chunk) + "\n")
    return source


def smaps(pid: int) -> dict[str, int]:
    """Rss, Pss, Shared and Private memory of a process, in kB."""
    values: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        key, _, rest = line.partition(":")
        values[key] = int(rest.split()[0])
    return {
        "rss": values["Rss"],
        "pss": values["Pss"],
        "shared": values.get("Shared_Clean", 0) + values.get("Shared_Dirty", 0),
        "private": values.get("Private_Clean", 0) + values.get("Private_Dirty", 0),
    }


def list_pss(pid: int, lists: Path) -> int:
    """PSS (kB) of the process's mappings of compiled list files: its share of the lists."""
    total, inside = 0, False
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        first = line.split(maxsplit=1)[0]
        if "-" in first and not first.endswith(":"):  # a mapping's header line
            inside = str(lists) in line
        elif inside and first == "Pss:":
            total += int(line.split()[1])
    return total


def hold(data: Path) -> None:
    """Child mode: open the engine, touch every page of the lists, decide, wait for stdin."""
    started = time.perf_counter()
    from harbour.filtering import FilterEngine

    imported = time.perf_counter()
    engine = FilterEngine.open(data)
    who = engine.who_for_group("pupils-ks2")
    engine.decide(who, "http://first.example/")
    opened = time.perf_counter()
    for segment in engine.matcher.segments:
        for view in (
            segment.domain_hashes,
            segment.domain_sets,
            segment.url_hashes,
            segment.url_sets,
        ):
            sum(view[i] for i in range(0, len(view), 512))  # one read per 4 KiB page
    for n in range(2000):
        engine.decide(who, f"http://site{n}.example/")
    touched = time.perf_counter()
    print(
        json.dumps(
            {
                "import_s": imported - started,
                "open_s": opened - imported,
                "touch_all_s": touched - opened,
            }
        ),
        flush=True,
    )
    sys.stdin.readline()


def fork_hold(data: Path, count: int) -> None:
    """Child mode: load once, then fork ``count`` workers that share the loaded pages."""
    import gc

    from harbour.filtering import FilterEngine

    engine = FilterEngine.open(data)
    who = engine.who_for_group("pupils-ks2")
    for segment in engine.matcher.segments:
        for view in (segment.domain_hashes, segment.domain_sets):
            sum(view[i] for i in range(0, len(view), 512))
    gc.freeze()  # keep the collector from writing to (and so copying) the parent's objects
    children = []
    for _ in range(count):
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read)
            for n in range(2000):
                engine.decide(who, f"http://site{n}.example/")
            os.write(write, b"x")
            sys.stdin.readline()
            os._exit(0)
        os.close(write)
        os.read(read, 1)
        children.append(pid)
    print(json.dumps({"parent": os.getpid(), "children": children}), flush=True)
    sys.stdin.readline()
    for pid in children:
        os.kill(pid, 15)
        os.waitpid(pid, 0)


def forked(data: Path, count: int) -> list[dict[str, int]]:
    """Memory of a loaded parent plus ``count`` workers forked from it."""
    proc = subprocess.Popen(
        [sys.executable, __file__, "--fork-hold", str(data), "--children", str(count)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        pids = json.loads(proc.stdout.readline())  # type: ignore[union-attr]
        return [smaps(pid) for pid in [pids["parent"], *pids["children"]]]
    finally:
        proc.stdin.close()  # type: ignore[union-attr]
        proc.wait()


def holders(data: Path, count: int) -> tuple[list[dict[str, float]], list[dict[str, int]]]:
    """Start ``count`` holder processes; return their timings and memory."""
    procs = [
        subprocess.Popen(
            [sys.executable, __file__, "--hold", str(data)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]
    try:
        timings = [json.loads(p.stdout.readline()) for p in procs]  # type: ignore[union-attr]
        memory = [{**smaps(p.pid), "lists": list_pss(p.pid, data / "lists")} for p in procs]
    finally:
        for p in procs:
            p.stdin.close()  # type: ignore[union-attr]
            p.wait()
    return timings, memory


def pooled(data: Path, counts: tuple[int, ...]) -> list[dict[str, float]]:
    """Memory of ``harbour squid-pool`` with 1, then more, helper children handed to it.

    Each child is started as Squid starts one (``harbour squid-helper`` with pipes), hands its
    pipes to the pool and exits; 2,000 requests then go through each worker. Counted: the PSS
    of the pool and its workers outside the lists, plus the whole compiled lists once, as if
    every page were touched (so the figure is comparable with the holders', which touch all).
    """
    harbour = Path(sys.executable).parent / "harbour"
    sock = data.parent / "pool.sock"
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    pool = subprocess.Popen(
        [str(harbour), "--data", str(data), "squid-pool", "--socket", str(sock)],
        stderr=subprocess.DEVNULL,
        env=env,
    )
    lists_size = sum(f.stat().st_size for f in (data / "lists").rglob("*") if f.is_file())
    pipes: list[subprocess.Popen[str]] = []
    results = []
    try:
        from harbour.gateways.squid.pool import wait_for_socket

        sys.path.insert(0, str(REPO))
        from tests.gateways.squid.squid_run import children_of

        if not wait_for_socket(sock):
            raise SystemExit("squid-pool did not start")
        for count in counts:
            while len(pipes) < count:
                child = subprocess.Popen(
                    [str(harbour), "--data", str(data), "squid-helper", "--pool", str(sock)],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    text=True,
                    env=env,
                )
                assert child.stdin and child.stdout
                for n in range(2000):
                    child.stdin.write(f"{n} http://site{n}.example/ 10.10.1.5/- - GET\n")
                child.stdin.flush()
                for _ in range(2000):
                    child.stdout.readline()
                if child.wait(10) != 0:
                    raise SystemExit("a helper child did not hand over to the pool")
                pipes.append(child)
            pids = [pool.pid, *children_of(pool.pid)]
            if len(pids) != count + 1:
                raise SystemExit(f"expected {count} pool workers, found {len(pids) - 1}")
            memory = [{**smaps(pid), "lists": list_pss(pid, data / "lists")} for pid in pids]
            outside = sum(m["pss"] - m["lists"] for m in memory)
            results.append(
                {
                    "children": count,
                    "total_kb": outside + lists_size / 1024,
                    "pool_private_kb": memory[0]["private"],
                    "worker_private_kb": statistics.fmean(m["private"] for m in memory[1:]),
                }
            )
    finally:
        for child in pipes:
            child.stdin.close()  # type: ignore[union-attr]
            child.stdout.close()  # type: ignore[union-attr]
        pool.terminate()
        pool.wait()
    return results


def latency(data: Path, domains: list[str], decisions: int) -> dict[str, float]:
    """Per-decision latency over a realistic stream (half listed, in varied spellings)."""
    from harbour.filtering import FilterEngine

    engine = FilterEngine.open(data)
    rng = random.Random(7)
    real = [
        line.strip()
        for category in ("games", "gambling", "shopping", "audio-video", "social_networks")
        for line in (UT1 / category / "domains").read_text().splitlines()[:2000]
    ]
    forms = [
        "http://{d}/",
        "https://www.{d}/index.html?x=1",
        "HTTP://{D}.:80/a/../b",
        "http://user@{d}/%70ath/page",
        "https://{d}/search?q=homework+help",
    ]
    zone = ZoneInfo("Europe/London")
    monday = datetime(2026, 11, 23, 8, 0, tzinfo=zone)
    whos = [engine.who_for_group(g) for g in GROUPS]
    stream = []
    for n in range(decisions):
        pool = domains if n % 4 == 0 else real if n % 4 == 1 else None
        domain = rng.choice(pool) if pool else f"unlisted{n}.example.org"
        url = rng.choice(forms).format(d=domain, D=domain.upper())
        when = monday + timedelta(minutes=rng.randrange(5 * 24 * 60))
        stream.append((rng.choice(whos), url, when))
    for who, url, when in stream[:2000]:  # warm up
        engine.decide(who, url, when)
    gc.collect()
    gc.freeze()  # the stream itself is a million objects: keep its collection out of the timings
    times, cpu_times = [], []
    blocked = 0
    clock, cpu_clock = time.perf_counter_ns, time.thread_time_ns
    for who, url, when in stream:
        start, cpu_start = clock(), cpu_clock()
        decision = engine.decide(who, url, when)
        cpu_times.append(cpu_clock() - cpu_start)
        times.append(clock() - start)
        blocked += decision.blocked
    times.sort()
    cpu_times.sort()
    return {
        "decisions": decisions,
        "blocked_share": blocked / decisions,
        "p50_us": times[len(times) // 2] / 1000,
        "p99_us": times[int(len(times) * 0.99)] / 1000,
        "max_us": times[-1] / 1000,
        "mean_us": statistics.fmean(times) / 1000,
        "per_second": 1e9 / statistics.fmean(times),
        # CPU time of the deciding thread: unaffected by other work on a busy shared machine
        "cpu_p50_us": cpu_times[len(cpu_times) // 2] / 1000,
        "cpu_p99_us": cpu_times[int(len(cpu_times) * 0.99)] / 1000,
        "cpu_mean_us": statistics.fmean(cpu_times) / 1000,
    }


def squidguard(work: Path, domains: list[str]) -> dict[str, float] | None:
    """The same list in squidGuard: ``-C`` database build, start-up to first answer, memory."""
    binary = shutil.which("squidGuard")
    if binary is None:
        return None
    db = work / "sg" / "db"
    (db / "adult").mkdir(parents=True)
    (db / "adult" / "domains").write_text("\n".join(domains) + "\n")
    conf = work / "sg" / "squidGuard.conf"
    conf.write_text(
        f"dbhome {db}\nlogdir {work / 'sg'}\n"
        "dest adult {\n  domainlist adult/domains\n}\n"
        "acl {\n  default {\n    pass !adult all\n"
        "    redirect http://127.0.0.1/blocked\n  }\n}\n"
    )
    started = time.perf_counter()
    subprocess.run([binary, "-c", str(conf), "-C", "all"], check=True, capture_output=True)
    built = time.perf_counter() - started
    started = time.perf_counter()
    proc = subprocess.Popen(
        [binary, "-c", str(conf)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdin and proc.stdout
    proc.stdin.write(f"http://{domains[0]}/ 10.0.0.1/- - GET\n")
    proc.stdin.flush()
    answer = proc.stdout.readline()
    first = time.perf_counter() - started
    for domain in domains[1:2001]:  # use it a little, as the Harbour processes were used
        proc.stdin.write(f"http://www.{domain}/ 10.0.0.1/- - GET\n")
        proc.stdin.flush()
        proc.stdout.readline()
    memory = smaps(proc.pid)
    proc.stdin.close()
    proc.wait()
    return {
        "build_s": built,
        "first_answer_s": first,
        "rss_mb": memory["rss"] / 1024,
        "answer": answer,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--domains", type=int, default=5_000_000)
    parser.add_argument("--decisions", type=int, default=200_000)
    parser.add_argument("--children", type=int, default=8)
    parser.add_argument("--no-squidguard", action="store_true")
    parser.add_argument("--work", type=Path, help="working folder (default: a temporary one)")
    parser.add_argument("--hold", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--fork-hold", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.hold:
        hold(args.hold)
        return 0
    if args.fork_hold:
        fork_hold(args.fork_hold, args.children)
        return 0

    from harbour.filtering import ListStore, compile_policy

    work = Path(args.work or tempfile.mkdtemp(prefix="harbour-bench-lists-"))
    work.mkdir(parents=True, exist_ok=True)
    data = work / "data"
    print(f"work folder: {work}")
    started = time.perf_counter()
    domains = generated_domains(args.domains)
    print(f"generated {len(domains):,} domains in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    reused = ListStore(data / "lists").generation() is not None  # --work DIR again: reuse
    if not reused:
        source = build_source(work, domains)
        started = time.perf_counter()
        ListStore(data / "lists").import_categories(source)
    compiled = time.perf_counter() - started
    compile_policy(POLICY, data)
    on_disk = sum(f.stat().st_size for f in (data / "lists").rglob("*") if f.is_file())
    print(
        f"compiled in {compiled:.1f} s{' (reused)' if reused else ''}; {on_disk / 2**20:.1f} MiB on disk"
    )

    (one_timing,), (one,) = holders(data, 1)
    load = one_timing["import_s"] + one_timing["open_s"]
    print(
        f"load (fresh process, import + open + first decision): {load:.3f} s "
        f"[import {one_timing['import_s']:.3f} s, open {one_timing['open_s']:.3f} s; "
        f"touching every list page {one_timing['touch_all_s']:.3f} s]   target <= 5 s"
    )
    print(
        f"one process: RSS {one['rss'] / 1024:.1f} MB (shared {one['shared'] / 1024:.1f}, "
        f"private {one['private'] / 1024:.1f}), PSS {one['pss'] / 1024:.1f} MB   target <= 300 MB"
    )
    _, many = holders(data, args.children)
    total_pss = sum(m["pss"] for m in many)
    ratio = total_pss / one["rss"]
    print(
        f"{args.children} processes: total PSS {total_pss / 1024:.1f} MB = {ratio:.2f}x one "
        f"process's RSS; private per process {statistics.fmean(m['private'] for m in many) / 1024:.1f} MB"
        f"   target <= 1.5x"
    )
    print(
        f"  of which the compiled lists: {sum(m['lists'] for m in many) / 1024:.1f} MB for all "
        f"{args.children} together vs {one['lists'] / 1024:.1f} MB for one process (shared, not copied)"
    )

    shared = forked(data, args.children)
    fork_total = sum(m["pss"] for m in shared)
    print(
        f"loaded parent + {args.children} forked workers: total PSS {fork_total / 1024:.1f} MB = "
        f"{fork_total / one['rss']:.2f}x one process's RSS; private per worker "
        f"{statistics.fmean(m['private'] for m in shared[1:]) / 1024:.1f} MB   target <= 1.5x"
    )

    one_pooled, many_pooled = pooled(data, (1, args.children))
    print(
        f"squid-pool with {args.children} helper children: total {many_pooled['total_kb'] / 1024:.1f} MB "
        f"= {many_pooled['total_kb'] / one['rss']:.2f}x one separately started process's RSS "
        f"({many_pooled['total_kb'] / one_pooled['total_kb']:.2f}x the pool with one child, "
        f"{one_pooled['total_kb'] / 1024:.1f} MB); private per worker "
        f"{many_pooled['worker_private_kb'] / 1024:.1f} MB, pool {many_pooled['pool_private_kb'] / 1024:.1f} MB"
        f"   target <= 1.5x"
    )

    result = latency(data, domains, args.decisions)
    print(
        f"decision latency over {result['decisions']:,} decisions ({result['blocked_share']:.0%} blocked): "
        f"p50 {result['p50_us']:.1f} us, p99 {result['p99_us']:.1f} us, max {result['max_us']:.0f} us; "
        f"{result['per_second']:,.0f} decisions/s; CPU time p50 {result['cpu_p50_us']:.1f} us, "
        f"p99 {result['cpu_p99_us']:.1f} us, mean {result['cpu_mean_us']:.1f} us   target p99 < 1000 us"
    )

    if not args.no_squidguard:
        sg = squidguard(work, domains)
        if sg is None:
            print("squidGuard not installed: no comparison")
        else:
            print(
                f"squidGuard 1.6, same {len(domains):,}-domain list: database build {sg['build_s']:.1f} s, "
                f"start-up to first answer {sg['first_answer_s']:.2f} s, RSS {sg['rss_mb']:.1f} MB"
            )
            build = (
                "lists reused from --work, compile not measured"
                if reused
                else f"compile Harbour {compiled:.1f} s (all 69 categories) vs squidGuard "
                f"{sg['build_s']:.1f} s (the generated one only) ({sg['build_s'] / compiled:.2f}x)"
            )
            print(
                f"side by side: {build}; start-up to first answer Harbour {load:.2f} s vs "
                f"squidGuard {sg['first_answer_s']:.2f} s ({load / max(sg['first_answer_s'], 1e-3):.1f}x slower); "
                f"{args.children} processes Harbour {total_pss / 1024:.0f} MB PSS "
                f"(forked {fork_total / 1024:.0f} MB) vs squidGuard {args.children * sg['rss_mb']:.0f} MB RSS"
            )
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
