"""A name is flagged only on corroborated evidence: two independent kinds, one a trick.

Issue 11: 2.3 % of the OpenDNS top-10k came out suspicious or worse. What flagged
them was always *one kind* of evidence, however many signals it raised: a name made
only of lure words (``theweathernetwork.com``, ``breakingnews.com``: lure words are
what services are named for), a brand next to a product word on .com (``s-nbcnews.com``,
``paypal-communication.com``: the brand's own side domains), a one-letter neighbour of a
brand (``twitchy.com``), or a random token on a cheap TLD (``jscods.cf``: a disposable
host, but one that imitates nothing and lures no one). Each has an innocent reading that
ordinary sites share; hostile link infrastructure is where two independent things are
wrong at once (a brand *and* a sign-in word, a lure *and* a throwaway suffix).

So the signals are grouped by what they are evidence *of* (:data:`KINDS`):

- tricks aimed at the reader: **impersonation** (a brand's name where it does not
  belong), **lure** (enticing words), **disguise** (a user name before ``@``, an IP);
- context: **throwaway ground** (cheap or free TLD, reseller suffix, hosting platform —
  the ``*_on_throwaway`` conjunctions say the same).

The label's shape (random-looking, hex, long, digits, hyphens) is no kind: measured on
the same letters as the brand or lure words, it mostly re-reads their leftovers
(``quoracdn.net``: a brand and an abbreviation; ``vitrinesglobo.com.br``), and a random
token on a cheap TLD (``jscods.cf``) imitates nothing and lures no one — spam and
disposable hosts, not a link made to be clicked by a chosen person.

A kind counts when its strongest signal weighs at least ``evidence_min_weight``
(``data/weights.yaml``: a 0.1 hint is not evidence on its own). A name is
*corroborated* when at least two kinds count and one of them is a trick, or when it
carries a trick with no innocent reading or a conjunction of two kinds
(:data:`SELF_EVIDENT`: a homoglyph of a brand, a brand's full domain inside another's,
mixed scripts; a brand or strong lure on a throwaway suffix). The learned model is
no kind of its own: it reads the same words, suffix and shape as the rules, so it may
rank names but not corroborate them.

An uncorroborated name keeps its score (it still ranks names, and the detectors weigh
it with how the link was delivered) but its verdict stays "benign", with the reason
(:func:`verdict_with_corroboration`). Nothing here was
fitted: the kinds follow what each signal means, the minimum weight is the a priori
weight of the weakest hint that was meant to be evidence (a strong lure word, 0.3,
less a margin).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Final

from mercwatch.linkscore.signals import Signal
from mercwatch.linkscore.verdict import BENIGN, verdict_for

if TYPE_CHECKING:
    from mercwatch.linkscore.knowledge import Knowledge

IMPERSONATION: Final = "impersonation"
LURE: Final = "lure"
DISGUISE: Final = "disguise"
GROUND: Final = "throwaway ground"
#: Kinds that are a trick aimed at the reader (one must be present to flag).
TRICKS: Final = frozenset({IMPERSONATION, LURE, DISGUISE})

_BY_KIND: Final[dict[str, tuple[str, ...]]] = {
    IMPERSONATION: (
        "brand_homoglyph",
        "brand_homoglyph_combo",
        "brand_domain_in_subdomain",
        "brand_split_across_labels",
        "brand_split_domain_hack",
        "brand_hyphenated",
        "brand_exact_other_domain",
        "brand_exact_legacy_tld",
        "brand_typo",
        "brand_combo",
        "brand_combo_short",
        "brand_combo_edge",
        "brand_combo_inner",
        "brand_in_subdomain",
        "brand_split_typo",
        "brand_ambiguous",
        "mixed_script",
    ),
    LURE: ("lure_strong", "lure_weak", "lure_only_name", "lure_misspelled"),
    DISGUISE: ("userinfo", "ip_host"),
    GROUND: ("tld_risk", "reseller_suffix", "lure_tld", "brand_on_throwaway", "lure_on_throwaway"),
}
#: Signal name -> the kind of evidence it is (signals not listed are no kind).
KINDS: Final[dict[str, str]] = {name: kind for kind, names in _BY_KIND.items() for name in names}
#: Corroborated on their own: a trick with no innocent reading (the name is built to
#: pass for another: a homoglyph, a brand's full domain inside another, a hyphen the
#: brand does not use, mixed scripts), or a conjunction that is two kinds by
#: construction (a brand or a strong lure *on* a throwaway suffix, ``context.py``).
SELF_EVIDENT: Final = frozenset(
    {
        "brand_homoglyph",
        "brand_homoglyph_combo",
        "brand_domain_in_subdomain",
        "brand_split_across_labels",
        "brand_hyphenated",
        "mixed_script",
        "brand_on_throwaway",
        "lure_on_throwaway",
    }
)
#: The reason added when a name's score is held below "suspicious".
UNCORROBORATED_REASON: Final = "one kind of evidence only ({}): not corroborated"


def evidence_kinds(signals: Iterable[Signal], k: Knowledge) -> dict[str, float]:
    """Kind of evidence -> its strongest signal's weight, for kinds that count."""
    floor = k.weight("evidence_min_weight")
    best: dict[str, float] = {}
    for sig in signals:
        kind = KINDS.get(sig.name)
        if kind is not None and sig.weight >= floor:
            best[kind] = max(best.get(kind, 0.0), sig.weight)
    return best


def corroborated(signals: list[Signal], k: Knowledge, label: str = "") -> bool:
    """Two independent kinds of evidence, one of them a trick, or a self-evident trick.

    Args:
        signals: the name's rule signals (the learned one is ignored).
        k: the knowledge (weights, brand tokens, lure words).
        label: the registrable label; when given, lure words that are part of a brand's
            own name in it (the "news" of ``nbcnews``) are not a second kind.
    """
    floor = k.weight("evidence_min_weight")
    if any(s.name in SELF_EVIDENT and s.weight >= floor for s in signals):
        return True
    kinds = evidence_kinds(signals, k)
    if label and {IMPERSONATION, LURE} <= kinds.keys() and _lures_inside_brand(label, k):
        kinds = evidence_kinds([s for s in signals if not _label_lure(s)], k)
    return len(kinds) >= 2 and bool(TRICKS & kinds.keys())


def _label_lure(sig: Signal) -> bool:
    """A lure signal read from the label's own words (not misspelled, not a subdomain)."""
    if sig.name == "lure_only_name":
        return True
    return sig.name in ("lure_strong", "lure_weak") and "subdomain" not in sig.reason


def _lures_inside_brand(label: str, k: Knowledge) -> bool:
    """Every lure word of the label lies inside a brand name found in it.

    ``s-nbcnews.com``, ``foxnewsgo.com``, ``inews24.com``: the brand is *NBC News*, *Fox
    News*, *News24*; its "news" is the brand's own name, not a lure next to it, so
    the name has one kind of evidence (a brand's name with other letters), not two.
    """
    flat = label.replace("-", "")
    brands = [
        flat[i:j]
        for i in range(len(flat))
        for j in range(i + 4, len(flat) + 1)
        if flat[i:j] in k.tokens
    ]
    lures = [w for w in k.words(label) if w in k.lures and len(w) >= 3]
    return bool(brands) and all(any(w in b for b in brands) for w in lures)


def verdict_with_corroboration(
    score: float, signals: list[Signal], k: Knowledge, label: str = ""
) -> tuple[str, str | None]:
    """The verdict of a name's score, held at benign when the evidence is one kind.

    The score is left as it is: it ranks names (the benchmarks' recall at a false
    positive budget) and the detectors weigh it with delivery behaviour (cold first
    links to at-risk people), which is the corroboration a name alone cannot give.

    Returns:
        The verdict and the reason to add when it was held (None otherwise).
    """
    verdict = verdict_for(score)
    if verdict == BENIGN or corroborated(signals, k, label):
        return verdict, None
    kinds = sorted(evidence_kinds(signals, k)) or ["weak hints and the learned model"]
    return BENIGN, UNCORROBORATED_REASON.format(", ".join(kinds))
