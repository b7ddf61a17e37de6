"""Where a name is registered changes what its tricks mean: the suffix as evidence.

A brand's name next to a product word (``payments-amazon.com``,
``microsoftonline-p.net``) or one letter off it (``txmblr.com``) on .com, .net, .org
or a country domain is very often the brand's own side domain, a defensive
registration or an unrelated namesake: that is where brands and ordinary businesses
keep their names, for years. The same name on a cheap new gTLD (``.xyz``, ``.top``,
``.online``, ``.link``), on a free-registration TLD or under a reseller or hosting
suffix (``name.gr.com``, ``name.github.io``) is rarely anyone's real site: those are
what throwaway infrastructure is bought on. Lure words behave the same way
(``connectivity-check.online`` vs ``worldweatheronline.com``).

So the suffix is read *together* with the label's tricks instead of as one more
independent hint: :func:`context_signals` discounts the brand tricks that have an
innocent reading on an established suffix and adds a conjunction signal when a brand
trick or a strong lure sits on a throwaway one. Which TLDs are cheap or abused comes
from ``data/tlds.yaml``; the weights from ``data/weights.yaml`` (set a priori).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from mercwatch.linkscore.parse import Target
from mercwatch.linkscore.signals import Signal
from mercwatch.linkscore.suffix import ESTABLISHED, THROWAWAY, suffix_kind

if TYPE_CHECKING:
    from mercwatch.linkscore.knowledge import Knowledge

#: Brand tricks a brand's own side domains and namesakes also show.
_SIDE_DOMAIN_TRICKS: Final = frozenset(
    {
        "brand_typo",
        "brand_combo",
        "brand_combo_short",
        "brand_combo_edge",
        "brand_combo_inner",
        "brand_split_domain_hack",
    }
)
#: Brand tricks that, on a throwaway suffix, make an impersonation all but certain
#: (not a 3-4 letter acronym inside other letters: in a random token that is chance).
_BRAND_TRICKS: Final = (_SIDE_DOMAIN_TRICKS - {"brand_combo_short"}) | frozenset(
    {
        "brand_exact_legacy_tld",
        "brand_hyphenated",
        "brand_exact_other_domain",
        "brand_homoglyph",
        "brand_homoglyph_combo",
        "brand_split_across_labels",
        "brand_split_typo",
        "brand_in_subdomain",
        "brand_domain_in_subdomain",
    }
)
_STRONG_LURES: Final = frozenset({"lure_only_name", "lure_misspelled"})
#: Tricks that explain the whole label: its letters are the brand's, not random ones.
_WHOLE_LABEL_TRICKS: Final = frozenset(
    {
        "brand_exact_legacy_tld",
        "brand_exact_other_domain",
        "brand_hyphenated",
        "brand_typo",
        "brand_homoglyph",
    }
)
_RANDOMNESS: Final = frozenset({"random_label", "short_random_label", "consonant_run"})


def tld_risk(target: Target, k: Knowledge) -> float:
    """Abuse-risk weight of the target's suffix (0 when not listed)."""
    return k.tld_risk.get(target.suffix, k.tld_risk.get(target.suffix.rsplit(".", 1)[-1], 0.0))


def hosted(target: Target, k: Knowledge) -> bool:
    """The name is a user's site under a hosting platform (``anna.github.io``).

    A private public suffix that is not a registry reseller: anyone picks the label
    for free, so it is throwaway ground for brand and lure tricks, but a plain name
    there is what millions of ordinary project pages and blogs look like. Neither the
    platform's TLD (the ``.app`` of ``netlify.app``) nor the learned model, fitted on
    names their owners bought, says anything about such a label.
    """
    return target.private_suffix and target.suffix not in k.resellers


def _strong_label_lure(sig: Signal) -> bool:
    """A strong lure word in the registrable label itself (not only a subdomain)."""
    if sig.name in _STRONG_LURES:
        return True
    return sig.name == "lure_strong" and not sig.reason.startswith("lure words in subdomain")


def _account_words(target: Target, k: Knowledge) -> bool:
    """The label speaks of sign-in or account safety (``login``, ``verify``, ``security``).

    Next to a brand's name that is a credential phish's shape, not a side domain's.
    """
    return any(w in k.sign_in for w in k.words(target.label_unicode))


def context_signals(target: Target, found: list[Signal], k: Knowledge) -> list[Signal]:
    """The label's signals read against its suffix (returns a new list).

    Args:
        target: the parsed, non-IP target.
        found: its brand, lure and structure signals.
        k: the knowledge (TLD lists and weights).

    Returns:
        ``found`` without randomness hints when a brand trick explains the whole
        label (its letters are the brand's), with side-domain tricks discounted on an
        established suffix, plus ``brand_on_throwaway`` / ``lure_on_throwaway`` on a
        throwaway one.
    """
    if any(s.name in _WHOLE_LABEL_TRICKS for s in found):
        found = [s for s in found if s.name not in _RANDOMNESS]
    kind = suffix_kind(target, k)
    if kind == ESTABLISHED and not _account_words(target, k):
        factor = k.weight("established_side_domain_factor")
        return [
            Signal(s.name, s.weight * factor, s.reason) if s.name in _SIDE_DOMAIN_TRICKS else s
            for s in found
        ]
    if kind != THROWAWAY:
        return found
    out = list(found)
    tld = target.suffix
    if any(s.name in _BRAND_TRICKS for s in found):
        why = f"brand name on a throwaway suffix (.{tld})"
        out.append(Signal("brand_on_throwaway", k.weight("brand_on_throwaway"), why))
    elif not hosted(target, k) and (
        any(_strong_label_lure(s) for s in found) or _lure_phrase(found)
    ):
        # Not on a hosting platform: a project there is named for what it does
        # (``photoview.github.io``, ``deadlines.vercel.app``), in ordinary words.
        why = f"lure words on a throwaway suffix (.{tld})"
        out.append(Signal("lure_on_throwaway", k.weight("lure_on_throwaway"), why))
    return out


def _lure_phrase(found: list[Signal]) -> bool:
    """A lure word in the label and a suffix that is part of the lure too.

    The suffix is a lure word itself (``video-share.live``) or a reseller suffix that
    passes for a country domain (``daily-info.gr.com``): the whole name reads as the
    lure, as a fake local outlet or service would.
    """
    if not any(s.name in _PHRASE_SUFFIX for s in found):  # rare: tested first
        return False
    return any(
        s.name in ("lure_weak", "lure_strong") and "subdomain" not in s.reason for s in found
    )


_PHRASE_SUFFIX: Final = frozenset({"lure_tld", "reseller_suffix"})


#: Signals about the suffix alone, or the label's shape alone: not named tricks, so
#: they never lift the learned signal's cap (``jane-doe-portfolio.app``).
_SUFFIX_ONLY: Final = frozenset(
    {
        "tld_risk",
        "lure_tld",
        "reseller_suffix",
        "hyphens_2",
        "hyphens_3",
        "long_label",
        "very_long_label",
        "deep_subdomains",
    }
)
#: Signals of a label that is a token, not words (nothing for the model to read).
_TOKEN_SHAPE: Final = frozenset(
    {"random_label", "short_random_label", "digits_mixed", "consonant_run", "long_digit_run"}
)


def temper_learned(found: list[Signal], learned: list[Signal], k: Knowledge) -> list[Signal]:
    """Cap the learned signal by what the model can see beyond the suffix and shape.

    The model's strongest features are the suffix and the shape, which the rules
    already count. On a name whose only rule evidence is the suffix
    (``my-company.online``) it may add up to ``learned_label_free_cap``, which keeps
    model + suffix hints below the malicious threshold: a trick in the name must agree.
    On a random token (``x7kq2p.top``: no words for it to read, no brand, no lure) it
    would only restate suffix and shape, so it abstains (``learned_token_cap`` = 0).

    Args:
        found: the rule signals of the target (after :func:`context_signals`).
        learned: the model's signals (zero or one).
        k: the knowledge (weights).

    Returns:
        ``learned``, capped when ``found`` has only suffix or token-shape signals.
    """
    cap = learned_cap(found, k)
    if cap is None:
        return learned
    return [Signal(s.name, min(s.weight, cap), s.reason) for s in learned if cap > 0]


def learned_cap(found: list[Signal], k: Knowledge) -> float | None:
    """The cap :func:`temper_learned` puts on the learned signal (None: no cap).

    It depends on the rule signals only, so a caller can skip the model when the
    cap is 0 (its signal would be dropped whatever it is).
    """
    names = {s.name for s in found if s.weight > 0}
    if names - _SUFFIX_ONLY - _TOKEN_SHAPE:
        return None
    return k.weight("learned_token_cap" if names & _TOKEN_SHAPE else "learned_label_free_cap")
