"""Benchmark of the link engine against real mercenary domains and benign domains.

Positives: Meta's Cytrox domains (Dec 2021; the CSV's rows 85-86 split one domain,
repaired here to 312 distinct domains) and Amnesty's Pegasus domains.txt (1,438).
Negatives: the 20,000 OpenDNS benign domains (top 10k + random 10k). Prints the
markdown section recorded in docs/benchmarks.md ("## Link engine").

Baselines on the same sets: dnstwist (permutations of the brands the positives
imitate) and a reimplementation of phishing_catcher's keyword/entropy/TLD score.

The learned model is evaluated only under held-out protocols (refit per protocol,
``bench_linkscore_heldout.py``); the shipped model, which saw every list, is used
only for the throughput line.

Run: python bench/bench_linkscore.py [--quick] [--no-learned]
     python bench/bench_linkscore.py --throughput [--hosts FILE]   (throughput only)
"""

from __future__ import annotations

import argparse
import csv
import math
import re
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import yaml
from eval_linkscore import FPR_GRID, INTEL, read_lines, roc, roc_row, score_engine
from rapidfuzz.distance import Levenshtein

from mercwatch.iocs import extractor as _extractor
from mercwatch.linkscore import LinkScorer, load

#: Brands the positives imitate (read off the lists by hand, for dnstwist only).
DNSTWIST_BRANDS = {
    "meta_cytrox": [
        "youtube.com",
        "facebook.com",
        "instagram.com",
        "twitter.com",
        "whatsapp.com",
        "linkedin.com",
        "bit.ly",
        "tinyurl.com",
        "apple.com",
        "icloud.com",
        "google.com",
        "signal.org",
        "bbc.com",
        "cnn.com",
        "foxnews.com",
        "kathimerini.gr",
        "protothema.gr",
        "tovima.gr",
        "efsyn.gr",
        "zougla.gr",
        "insider.gr",
        "newsbeast.gr",
        "pronews.gr",
        "enikos.gr",
        "hellasjournal.com",
        "altsantiri.gr",
        "almasryalyoum.com",
        "youm7.com",
        "aramex.com",
        "vodafone.com.eg",
        "etisalat.eg",
        "orange.eg",
        "carrefouregypt.com",
        "ikea.com",
        "olx.com.eg",
        "uber.com",
        "tesla.com",
        "ferrari.com",
        "bmw.com",
        "nissan.com",
        "suzuki.com",
        "citroen.com",
        "lamborghini.com",
        "koenigsegg.com",
        "sephora.com",
        "goldenscent.com",
        "yallakora.com",
        "kooora.com",
        "reddit.com",
        "mozilla.org",
        "jquery.com",
        "telenor.com",
        "niceonesa.com",
        "cosmote.gr",
        "affise.com",
        "lexpress.mg",
        "koaci.com",
        "danas.rs",
        "politika.rs",
        "novosti.rs",
        "viva.gr",
        "paok24.com",
    ],
    "amnesty_pegasus": [
        "aawsat.com",
        "aljazeera.net",
        "android.com",
        "apple.com",
        "icloud.com",
        "bbc.com",
        "cnn.com",
        "facebook.com",
        "google.com",
        "instagram.com",
        "mozilla.org",
        "starbucks.com",
        "fedex.com",
        "whatsapp.com",
        "twitter.com",
        "youtube.com",
        "amazon.com",
        "paypal.com",
        "microsoft.com",
        "linkedin.com",
    ],
}


def load_sets() -> dict[str, list[str]]:
    """The evaluation sets, deduplicated, in file order."""
    meta_csv = (
        INTEL / "meta_threat_research" / "2021_12_taking_action_against_surveillance_for_hire.csv"
    )
    with meta_csv.open(encoding="utf-8") as fh:
        meta = [row["indicator_value"].strip().lower() for row in csv.DictReader(fh)]
    i = meta.index("fbc8213450838f7ae251d4")  # rows 85-86: one domain split in two
    meta[i : i + 2] = [meta[i] + meta[i + 1]]
    benign = read_lines(INTEL / "benign_domains" / "opendns-top-domains.txt")
    benign += read_lines(INTEL / "benign_domains" / "opendns-random-domains.txt")
    return {
        "meta_cytrox": list(dict.fromkeys(meta)),
        "amnesty_pegasus": list(
            dict.fromkeys(read_lines(INTEL / "amnesty_pegasus" / "domains.txt"))
        ),
        "benign_top": list(
            dict.fromkeys(read_lines(INTEL / "benign_domains" / "opendns-top-domains.txt"))
        ),
        "benign_random": list(
            dict.fromkeys(read_lines(INTEL / "benign_domains" / "opendns-random-domains.txt"))
        ),
        "benign": list(dict.fromkeys(benign)),
    }


def dnstwist_scores(
    brands: list[str], values: list[str], tlds: list[str] | None = None
) -> np.ndarray:
    """1 when the domain is among dnstwist's permutations of the brands, else 0.

    ``tlds`` feeds dnstwist's TLD-swap fuzzer (its PyPI wheel ships no dictionary).
    """
    import dnstwist

    perms: set[str] = set()
    for brand in brands:
        fuzz = dnstwist.Fuzzer(brand, tld_dictionary=tlds or [])
        fuzz.generate()
        perms |= {d["domain"] for d in fuzz.domains if d["fuzzer"] != "*original"}
    return np.array([1.0 if v in perms else 0.0 for v in values])


class PhishingCatcher:
    """phishing_catcher's ``score_domain`` (keywords, TLD list, entropy, Levenshtein,
    hyphens, dots), reimplemented with its published suspicious.yaml; the Let's
    Encrypt bonus (certificate context) does not apply to a bare domain."""

    def __init__(self) -> None:
        data = yaml.safe_load(
            (Path(__file__).parent / "data" / "phishing_catcher_suspicious.yaml").read_text()
        )
        self.keywords: dict[str, int] = data["keywords"]
        self.tlds: list[str] = data["tlds"]
        self.skel = load().skeletonizer

    @staticmethod
    def _entropy(text: str) -> float:
        probs = [text.count(c) / len(text) for c in dict.fromkeys(text)]
        return -sum(p * math.log2(p) for p in probs)

    def score(self, domain: str) -> float:
        score = sum(20 for t in self.tlds if domain.endswith(t))
        ext = _extractor()(domain)
        if ext.suffix:
            domain = (
                ".".join(p for p in (ext.subdomain, ext.domain) if p)
                if ext.subdomain
                else ext.domain
            )
        score += int(round(self._entropy(domain) * 10))
        domain = self.skel.skeleton(domain)  # stands in for its unconfuse()
        words = re.split(r"\W+", domain)
        if words[0] in ("com", "net", "org"):
            score += 10
        score += sum(w for k, w in self.keywords.items() if k in domain)
        strong = [k for k, s in self.keywords.items() if s >= 70]
        for word in (w for w in words if w not in ("email", "mail", "cloud")):
            score += 70 * sum(1 for key in strong if Levenshtein.distance(word, key) == 1)
        if "xn--" not in domain and domain.count("-") >= 4:
            score += domain.count("-") * 3
        if domain.count(".") >= 3:
            score += domain.count(".") * 3
        return float(score)


def _verdict_rates(scorer: LinkScorer, sets: dict[str, list[str]]) -> list[str]:
    rows = ["| set | n | malicious | suspicious+ | invalid |", "|---|---|---|---|---|"]
    for name in ("meta_cytrox", "amnesty_pegasus", "benign_top", "benign_random"):
        res = scorer.score_many(sets[name])
        n = len(res)
        mal = sum(r.verdict == "malicious" for r in res)
        sus = sum(r.verdict in ("malicious", "suspicious") for r in res)
        inv = sum(r.verdict == "invalid" for r in res)
        rows.append(f"| {name} | {n} | {mal / n:.1%} | {sus / n:.1%} | {inv} |")
    return rows


def throughput(hosts: Path | None = None) -> str:
    """Time one fresh scorer over distinct values (the three lists, or a file's lines).

    Knowledge and model are loaded first (not timed); the engine's lazily built
    tables (word automaton, prefilter sets) are built inside the timed run, as in a
    fresh worker. Run it pinned to one core (``taskset -c 1``) for a per-core figure.
    """
    if hosts is None:
        sets = load_sets()
        values = sets["meta_cytrox"] + sets["amnesty_pegasus"] + sets["benign"]
    else:
        values = [ln.strip() for ln in hosts.read_text(encoding="utf-8").splitlines()]
    distinct = list(dict.fromkeys(v for v in values if v))
    scorer = LinkScorer(knowledge=load())
    start, cpu = time.perf_counter(), time.process_time()
    scorer.score_many(distinct)
    took, cpu = time.perf_counter() - start, time.process_time() - cpu
    return (
        f"Throughput: {len(distinct)} distinct values in {took:.2f} s = "
        f"{len(distinct) / took:,.0f}/s wall, {len(distinct) / cpu:,.0f}/s CPU "
        "(fresh scorer, shipped knowledge and model loaded)."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip dnstwist (slow)")
    parser.add_argument(
        "--no-learned", action="store_true", help="skip the held-out learned-model refits"
    )
    parser.add_argument(
        "--throughput",
        action="store_true",
        help="only the throughput line: fresh scorer, shipped knowledge and model",
    )
    parser.add_argument(
        "--hosts", type=Path, help="with --throughput: score this file's lines instead"
    )
    args = parser.parse_args(argv)
    if args.throughput:
        print(throughput(args.hosts))
        return 0
    sets = load_sets()
    neg_vals = sets["benign"]
    full = load(learned=False)  # the shipped model saw these lists: never scored here
    configs = {
        "mercwatch rules (global + regional brands)": full,
        "mercwatch rules (global brands only)": load(regional=False, learned=False),
        "mercwatch rules, no suffix discount or conjunctions": replace(
            full,
            weights={
                **full.weights,
                "established_side_domain_factor": 1.0,
                "brand_on_throwaway": 0.0,
                "lure_on_throwaway": 0.0,
            },
        ),
        "mercwatch (no brands: lure + structure)": replace(
            full, legit={}, tokens={}, skeletons={}, typo_tokens=()
        ),
    }
    header = "| method | ROC-AUC | " + " | ".join(f"R@{f * 100:g}%" for f in FPR_GRID) + " |"
    sep = "|---|---|" + "---|" * len(FPR_GRID)
    lines: list[str] = []
    scores = {}
    for label, k in configs.items():
        scorer = LinkScorer(knowledge=k)
        scores[label] = {
            name: score_engine(scorer, sets[name])
            for name in ("meta_cytrox", "amnesty_pegasus", "benign")
        }
    pc = PhishingCatcher()
    pc_scores = {
        name: np.array([pc.score(v) for v in sets[name]])
        for name in ("meta_cytrox", "amnesty_pegasus", "benign")
    }
    for pos_name in ("meta_cytrox", "amnesty_pegasus"):
        pos_vals = sets[pos_name]
        lines += [
            "",
            f"Positives: {pos_name} ({len(pos_vals)}); "
            f"negatives: OpenDNS top+random ({len(neg_vals)}). Recall (%) at FPR:",
            "",
            header,
            sep,
        ]
        for label in configs:
            auc, curve = roc(scores[label][pos_name], scores[label]["benign"])
            lines.append(roc_row(label, auc, curve))
        auc, curve = roc(pc_scores[pos_name], pc_scores["benign"])
        lines.append(roc_row("phishing_catcher score (reimpl.)", auc, curve))
        if not args.quick:
            brands = DNSTWIST_BRANDS[pos_name]
            pos = dnstwist_scores(brands, pos_vals)
            neg = dnstwist_scores(brands, neg_vals)
            lines.append(
                f"| dnstwist permutations of {len(brands)} brands | n/a | "
                f"caught {pos.mean():.1%} at FPR {neg.mean():.2%} (binary) |"
                + " |"
                * (len(FPR_GRID) - 1)
            )
            tld_words = sorted(
                set(full.tld_risk)
                | set(full.lure_tlds)
                | set(full.resellers)
                | {"com", "net", "org", "info", "co", "me", "io"}
            )
            pos = dnstwist_scores(brands, pos_vals, tld_words)
            neg = dnstwist_scores(brands, neg_vals, tld_words)
            lines.append(
                f"| dnstwist + TLD swaps over {len(tld_words)} TLDs | n/a | "
                f"caught {pos.mean():.1%} at FPR {neg.mean():.2%} (binary) |"
                + " |"
                * (len(FPR_GRID) - 1)
            )
    scorer = LinkScorer(knowledge=full)
    lines += ["", "Verdicts, rules only (malicious >= 0.8, suspicious >= 0.5):", ""]
    lines += _verdict_rates(scorer, sets)
    if not args.no_learned:
        from bench_linkscore_heldout import heldout_section

        lines += heldout_section(sets, full)
    distinct = list(dict.fromkeys(sets["meta_cytrox"] + sets["amnesty_pegasus"] + neg_vals))
    fresh = LinkScorer(knowledge=load())
    start = time.perf_counter()
    fresh.score_many(distinct)
    took = time.perf_counter() - start
    lines += [
        "",
        f"Throughput: {len(distinct)} distinct domains in {took:.1f} s = "
        f"{len(distinct) / took:,.0f} domains/s (one core, cold cache, shipped knowledge "
        "and model loaded).",
    ]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
