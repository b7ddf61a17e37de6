"""CPU seconds of the link engine per 100,000 distinct hosts, and its golden output.

    python bench/bench_linkscore_speed.py --users 100000 [--before OLD/src] [--runs 3]
    python bench/bench_linkscore_speed.py --hosts FILE [--before OLD/src]
    python bench/bench_linkscore_speed.py --write-golden tests/data/linkscore/golden_scores.jsonl

Host sets: ``--users N`` simulates a platform (seed 1, Parquet) and takes the distinct
hosts of its link events, as the exploitation detector does; ``--hosts FILE`` scores
a file's lines; neither scores the diverse set of the golden file (``diverse_hosts``:
the intel lists, hosting-platform pages, random tokens, URL and subdomain forms).

Each run is a fresh process (the engine's caches of words and splits start empty, as
in a detector run) that reports the CPU seconds of scoring alone, knowledge loaded
and warmed on one host first; the median of ``--runs`` is printed per 100k hosts.
With ``--before`` the same runs are made with another source tree, alternately, and
its scores are compared with this tree's exactly (exit 1 when any differs).

``--write-golden`` writes the scores of the diverse set (``repr`` of each float):
``tests/linkscore/test_golden_scores.py`` checks the engine against it. Regenerate it
only when the engine's output is meant to change, with the code before the speed work.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INTEL = ROOT / "tests" / "data" / "intel"
SEED = 15  # issue 15; the random tokens of the diverse set


def _lines(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    return [ln.strip().lower() for ln in text.splitlines() if ln.strip()]


def diverse_hosts() -> list[str]:
    """A fixed, varied host list: every kind of input the engine distinguishes.

    Every 16th OpenDNS benign domain, up to 80 domains of each intel family, hosting-platform
    pages, random tokens on cheap TLDs (the bulk of a simulated export's hosts), and
    the same names as subdomains, URLs with paths and user names, Unicode, IPs and
    invalid text.
    """
    from mercwatch.linkscore.leakage import evaluation_families

    benign = _lines(INTEL / "benign_domains" / "opendns-top-domains.txt")[::16]
    benign += _lines(INTEL / "benign_domains" / "opendns-random-domains.txt")[::16]
    families = [h for hosts in evaluation_families(INTEL).values() for h in hosts[:80]]
    hosted = [ln.split("\t")[0] for ln in _lines(INTEL / "benign_hosted" / "hosts.tsv")]
    rng = random.Random(SEED)
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    tlds = ("top", "xyz", "online", "com", "net", "info", "github.io", "co.uk", "app")
    tokens = [
        "".join(rng.choice(alphabet) for _ in range(rng.randint(3, 14))) + "." + rng.choice(tlds)
        for _ in range(400)
    ]
    some = benign[::9] + families[::5] + tokens[::8]
    forms = [f"login.{h}" for h in some] + [f"www.{h}" for h in some[::2]]
    forms += [f"https://{h}/a/b?c=1#d" for h in some[::3]]
    forms += [f"http://user@{h}/" for h in some[::11]]
    forms += [f"a.b.c.{h}" for h in some[::13]]
    odd = [
        "faсebook.com",  # Cyrillic es
        "xn--80ak6aa92e.com",
        "аррӏе.com",
        "rnicrosoft.com",
        "paypa1-secure.xyz",
        "whatsapp.com.verify-id.co",
        "whats.app.social",
        "google.com.pk",
        "cisco.github.io",
        "github.io",
        "192.168.0.1",
        "http://[2001:db8::1]/x",
        "hxxp://evil[.]com/x",
        "evil(dot)com",
        "ftp://files.example.org",
        "mailto:someone@example.com",
        "not a domain",
        "",
        "localhost",
        "example.invalid-tld-zz",
        "a" * 70 + ".com",
        "name.gr.com",
        "updete-secuirty.online",
        "news-24-live.info",
        "bit-ly.net",
        "instagran.com",
    ]
    return list(dict.fromkeys(benign + families + hosted + tokens + forms + odd))


def score_lines(values: list[str]) -> list[str]:
    """One JSON line per value: value, repr of the score, verdict, reasons, domain."""
    from mercwatch.linkscore import LinkScorer

    return [
        json.dumps([s.value, repr(s.score), s.verdict, list(s.reasons), s.domain])
        for s in LinkScorer().score_many(values)
    ]


def sim_hosts(users: int, work: Path) -> list[str]:
    """Distinct hosts of a simulated platform's link events (the detector's query)."""
    import duckdb

    from mercwatch.iocs import HOST_PATTERN
    from mercwatch.sim import SimConfig, simulate

    export = work / f"u{users}"
    if not (export / "truth.json").exists():
        simulate(SimConfig(users=users, seed=1), export)
    query = f"""
        select distinct regexp_replace(lower(regexp_extract(url, ?, 1)), '\\.+$', '') as host
        from read_parquet('{export}/events/**/*.parquet', union_by_name = true)
        where type in ('message', 'post', 'share_link')
          and url is not null and actor_id is not null
    """
    rows = duckdb.connect().execute(query, [HOST_PATTERN]).fetchall()
    return sorted(h for (h,) in rows if h)


def _one(path: Path, out: Path | None) -> None:
    """Child process: score the file's hosts, print the CPU seconds of scoring."""
    import time

    from mercwatch.linkscore import LinkScorer

    values = path.read_text(encoding="utf-8").split("\n")
    scorer = LinkScorer()
    scorer.score("warm-up.example.com")  # knowledge and automata built before the clock
    started = time.process_time()
    scores = scorer.score_many(values)
    print(time.process_time() - started)
    if out is not None:
        rows = [json.dumps([s.value, repr(s.score), s.verdict, list(s.reasons)]) for s in scores]
        out.write_text("\n".join(rows), encoding="utf-8")


def _run(src: Path, hosts: Path, out: Path | None) -> float:
    env = dict(os.environ, PYTHONPATH=str(src.resolve()))
    args = [sys.executable, __file__, "--one", str(hosts)]
    args += ["--out", str(out)] if out is not None else []
    done = subprocess.run(args, env=env, check=True, capture_output=True, text=True)
    return float(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--users", type=int, default=None)
    parser.add_argument("--hosts", type=Path, default=None)
    parser.add_argument("--before", type=Path, default=None, help="another source tree")
    parser.add_argument("--after", type=Path, default=ROOT / "src", help="source tree")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--write-golden", type=Path, default=None)
    parser.add_argument("--one", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        _one(args.one, args.out)
        return 0
    if args.write_golden is not None:
        args.write_golden.parent.mkdir(parents=True, exist_ok=True)
        args.write_golden.write_text("\n".join(score_lines(diverse_hosts())) + "\n", "utf-8")
        return 0
    work = args.work or Path(tempfile.mkdtemp(prefix="mw-linkspeed-"))
    if args.hosts is not None:
        values, name = _lines(args.hosts), args.hosts.name
    elif args.users is not None:
        values, name = sim_hosts(args.users, work), f"sim seed 1, {args.users:,} users"
    else:
        values, name = diverse_hosts(), "diverse set"
    hosts = work / "hosts.txt"
    hosts.write_text("\n".join(values), encoding="utf-8")
    trees = {"after": args.after} | ({"before": args.before} if args.before else {})
    cpu: dict[str, list[float]] = {tree: [] for tree in trees}
    for i in range(args.runs):
        for tree, src in trees.items():
            out = work / f"scores-{tree}.jsonl" if i == 0 else None
            cpu[tree].append(_run(src, hosts, out))
    print(f"{name}: {len(values):,} distinct hosts, load {os.getloadavg()[0]:.1f}")
    for tree, seconds in cpu.items():
        per = statistics.median(seconds) / len(values) * 100_000
        runs = ", ".join(f"{s:.2f}" for s in seconds)
        print(f"  {tree}: CPU s per 100k hosts (median of {args.runs}) {per:.1f}  [runs: {runs}]")
    if args.before is None:
        return 0
    same = (work / "scores-before.jsonl").read_bytes() == (work / "scores-after.jsonl").read_bytes()
    print("  scores identical" if same else "  SCORES DIFFER")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
