"""How much of each published family a name alone can tell apart (issue 11, ceiling).

Puts every domain of every family and of the three benign kinds in one class, by the
rules as shipped (no learned model): *plain words, established TLD, no evidence* (one to
three dictionary words covering every letter, no digits, on .com/.net/.org or a country
TLD, and no kind of evidence, ``corroboration.evidence_kinds``), *other name,
established TLD, no evidence*, *no evidence, other TLD*, *some evidence*. A held-out
domain in a no-evidence class on an established TLD looks like thousands of ordinary
names; the share outside those classes bounds what a lexical method can find at a small
false-positive budget (docs/benchmarks.md, "Link scoring LOFO, fourth round").

Run: python bench/linkscore_ceiling.py   (prints a markdown table; about a minute)
"""

from __future__ import annotations

import sys
from collections import Counter

from eval_linkscore import INTEL, load_benign
from linkscore_agnostic import shape

from mercwatch.linkscore import LinkScorer
from mercwatch.linkscore import knowledge as kn
from mercwatch.linkscore import leakage as lk
from mercwatch.linkscore.corroboration import evidence_kinds
from mercwatch.linkscore.parse import InvalidTarget, parse_target
from mercwatch.linkscore.suffix import ESTABLISHED, suffix_kind

CLASSES = (
    "plain words, established TLD, no evidence",
    "other name, established TLD, no evidence",
    "no evidence, other TLD",
    "some evidence",
)


def classify(value: str, scorer: LinkScorer) -> str:
    """The class of one domain (``invalid`` and ``ip`` outside the four)."""
    k = scorer.knowledge
    try:
        target = parse_target(value)
    except InvalidTarget:
        return "invalid"
    if target.is_ip:
        return "ip"
    if evidence_kinds(scorer.signals(target), k):
        return CLASSES[3]
    if suffix_kind(target, k) != ESTABLISHED:
        return CLASSES[2]
    feats = shape(target, k)  # [1] words, [2] coverage, [10] digits
    plain = feats[2] >= 0.999 and 1 <= feats[1] <= 3 and feats[10] == 0
    return CLASSES[0] if plain else CLASSES[1]


def main() -> int:
    scorer = LinkScorer(knowledge=kn.load(learned=False))
    sets = dict(lk.evaluation_families(INTEL))
    sets.update({f"benign {kind}": hosts for kind, hosts in load_benign().items()})
    print("| set | n | " + " | ".join(CLASSES) + " |")
    print("|---|---|" + "---|" * len(CLASSES))
    pooled: Counter[str] = Counter()
    total = 0
    for name, hosts in sets.items():
        counts = Counter(classify(h, scorer) for h in hosts)
        print(
            f"| {name} | {len(hosts)} | "
            + " | ".join(f"{100 * counts[c] / len(hosts):.1f}" for c in CLASSES)
            + " |"
        )
        if not name.startswith("benign"):
            pooled.update(counts)
            total += len(hosts)
    cells = " | ".join(f"**{100 * pooled[c] / total:.1f}**" for c in CLASSES)
    print(f"| **families pooled** | {total} | {cells} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
