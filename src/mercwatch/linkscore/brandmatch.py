"""Brand impersonation: does this host pretend to be a protected brand, and how?

Each check looks for one trick and returns :class:`Signal` s; the knowledge (which
brands, which domains they own, which tokens are distinctive) comes from the data
files through :class:`~mercwatch.linkscore.knowledge.Knowledge`.

Tricks: the brand's name on a domain it does not own (``tinyurl.site``), hyphenated
(``bit-ly.net``), look-alike characters (``faсebook.com`` with a Cyrillic ``с``,
``rnicrosoft.com``), typos (``instagran.com``), combined with other words
(``facebook-login-secure.com``), in a subdomain (``whatsapp.com.verify-id.co``),
split across labels (``whats.app.social``), on a reseller suffix (``name.gr.com``), and
internationalized labels that mix scripts.
"""

from __future__ import annotations

import re

from mercwatch.linkscore.glyphs import scripts_of
from mercwatch.linkscore.knowledge import Brand, Knowledge, Token, is_common_word, word_rank
from mercwatch.linkscore.nearest import near_same_initial, nearest_token
from mercwatch.linkscore.parse import Target, words
from mercwatch.linkscore.signals import Signal

_RESELLER_SHAPE = re.compile(r"^[a-z]{2}\.(com|net|org)$")
_DELIMS = frozenset("-_0123456789")
_LOOKALIKE = re.compile(r"[^\x00-\x7f]|[01]|vv|rn")  # worth a skeleton pass
_CJK = frozenset({"CJK", "HIRAGANA", "KATAKANA", "HANGUL"})
_LEGACY = frozenset({"com", "net", "org", "edu", "gov", "int", "mil"})
_NOISE_LABELS = frozenset({"www", "m", "mobile", "web", "ww", "www1", "www2"})


def legit_owner(target: Target, k: Knowledge) -> Brand | None:
    """The brand owning this host, if its registrable (or a parent host) is listed."""
    labels = target.host.split(".")
    reg_len = target.registrable.count(".") + 1
    for start in range(len(labels) - reg_len + 1):
        owner = k.legit.get(".".join(labels[start:]))
        if owner is not None:
            return owner
    # A listed ICANN suffix (gov.uk) is registered only to its owner's bodies; a
    # private one (github.io) is anyone's, so it never vouches for its subdomains.
    return None if target.private_suffix else k.legit.get(target.suffix)


def _is_country_tld(target: Target, k: Knowledge) -> bool:
    last = target.suffix.rsplit(".", 1)[-1]
    return len(last) == 2 and not target.private_suffix and target.suffix not in k.resellers


def _is_legacy_tld(target: Target, k: Knowledge) -> bool:
    """.com/.net/.org or a country TLD: where brands and namesakes hold their names."""
    return _is_country_tld(target, k) or target.suffix in _LEGACY


def _sig(k: Knowledge, name: str, reason: str) -> Signal:
    return Signal(name, k.weight(name), reason)


def _exact(target: Target, plain: str, k: Knowledge) -> list[Signal]:
    tok = k.tokens.get(plain)
    if tok is None:
        return []
    name = tok.brand.name
    if tok.brand.cc and _is_country_tld(target, k) and target.label == tok.text:
        return []  # e.g. google.com.pk: the brand's own country site, very likely
    if tok.ambiguous:
        return [_sig(k, "brand_ambiguous", f"name of {name} on a domain it does not own")]
    if "-" in target.label and not tok.hyphenated and not _natural_hyphens(target.label, tok):
        return [_sig(k, "brand_hyphenated", f"hyphenated name of {name}")]
    if _is_legacy_tld(target, k):  # often a defensive registration or a namesake
        return [_sig(k, "brand_exact_legacy_tld", f"{name} name on a domain it does not own")]
    return [_sig(k, "brand_exact_other_domain", f"{name} name on a domain it does not own")]


def _natural_hyphens(label: str, tok: Token) -> bool:
    """Hyphens only where the brand's own name has spaces (``el-mundo``, ``prothom-alo``).

    That is how the name is written, not a trick added to it: such a domain counts
    as the plain name on a domain the brand does not own.
    """
    name_words = [w for w in re.split(r"[^a-z0-9]+", tok.brand.name.lower()) if w]
    return label.split("-") == name_words


def _all_words(text: str) -> bool:
    """The text reads as ordinary words (each of 2+ letters, known to the word list)."""
    parts = words(text)
    return bool(parts) and all(
        len(w) >= 2 and (rank := word_rank(w)) is not None and rank < 50000 for w in parts
    )


def _short_core(plain: str, text: str, k: Knowledge) -> bool:
    """The edit hits a short acronym beside a shared lure word (``cnsnews``/``cbsnews``).

    Short names have many innocent neighbours; a lure word they share does not make
    the distinctive part any longer.
    """
    for word in {w for w in k.words(text) if w in k.lures}:
        shared = (plain.endswith(word) and text.endswith(word)) or (
            plain.startswith(word) and text.startswith(word)
        )
        if shared and min(len(plain), len(text)) - len(word) < 5:
            return True
    return False


def _homoglyph(label_unicode: str, plain: str, k: Knowledge) -> list[Signal]:
    skel = k.skeletonizer.skeleton(label_unicode).replace("-", "")
    tok = k.skeletons.get(skel)
    if tok is None or tok.text == plain:
        return []
    non_ascii = not label_unicode.isascii()
    if non_ascii and len(tok.text) >= 3 or not tok.ambiguous and len(tok.text) >= 5:
        kind = "Unicode" if non_ascii else "ASCII"
        return [_sig(k, "brand_homoglyph", f"look-alike of {tok.brand.name} ({kind} glyphs)")]
    return []


def _typo(plain: str, k: Knowledge) -> list[Signal]:
    if len(plain) < 5 or plain in k.tokens or is_common_word(plain, 60000):
        return []
    if not near_same_initial(plain, k, max_distance=2):
        return []  # the nearest token, if any, starts with another letter: see below
    found = nearest_token(plain, k, max_distance=2)
    if found is None:
        return []
    text, dist = found
    # Short names have many innocent neighbours (xiami/xiaomi), and typosquats keep
    # the first letter the eye anchors on; look-alike first letters are the
    # skeleton's job.
    allowed = 2 if len(text) >= 10 else 1 if len(text) >= 6 else 0
    # Two edits that leave plain words ("livenation" vs "liberation") are a name of
    # its own, not a slip; a slip in a short acronym next to "news" is a namesake.
    if dist == 2 and _all_words(plain) or _short_core(plain, text, k):
        return []
    if 0 < dist <= allowed and text[0] == plain[0]:
        return [_sig(k, "brand_typo", f"typosquat of {k.tokens[text].brand.name}")]
    return []


_HEADS: dict[int, tuple[dict[str, Token], frozenset[str]]] = {}


def _heads(table: dict[str, Token]) -> frozenset[str]:
    """First three letters of the table's keys (per table, built once).

    :func:`find_token` tries substrings of 3+ letters; where the label's next three
    letters begin no key, no substring starting there can be one. The table is kept
    beside its heads, so its ``id`` cannot be reused while the entry lives.
    """
    entry = _HEADS.get(id(table))
    if entry is None or entry[0] is not table:
        entry = (table, frozenset(key[:3] for key in table))
        _HEADS[id(table)] = entry
    return entry[1]


def find_token(label: str, table: dict[str, Token]) -> tuple[Token, bool, bool] | None:
    """Longest brand token of ``table`` inside ``label``.

    Returns:
        (token, delimited by label edges / hyphens / digits, spans the whole label),
        or None.
    """
    best: tuple[Token, bool, bool] | None = None
    best_len = 0
    n = len(label)
    heads = _heads(table)
    for i in range(n):
        if label[i : i + 3] not in heads:
            continue  # every substring tried here starts with these 3 letters
        for j in range(min(n, i + 40), i + 2, -1):
            tok = table.get(label[i:j])
            if tok is None or best_len >= j - i:
                continue
            delimited = (i == 0 or label[i - 1] in _DELIMS) and (j == n or label[j] in _DELIMS)
            best, best_len = (tok, delimited, i == 0 and j == n), j - i
            break
    return best


def _combo(label: str, k: Knowledge, table: dict[str, Token] | None = None) -> list[Signal]:
    found = find_token(label, k.tokens if table is None else table)
    if found is None or found[2]:
        return []
    tok, delimited, _ = found
    name = tok.brand.name
    if tok.ambiguous:
        if delimited and len(tok.text) >= 4:
            return [_sig(k, "brand_ambiguous", f"name of {name} combined with other words")]
        return []
    why = f"{name} name combined with other words"
    if delimited:  # "facebook-login", "bbc-arabic": the classic combosquat shape
        return [_sig(k, "brand_combo" if len(tok.text) >= 5 else "brand_combo_short", why)]
    edge = label.startswith(tok.text) or label.endswith(tok.text)
    if len(tok.text) >= 5 and edge:  # "aramexegypt", but also brands' own "bloomberglaw"
        return [_sig(k, "brand_combo_edge", why)]
    if len(tok.text) >= 6:
        return [_sig(k, "brand_combo_inner", why)]
    return []


def _subdomains(target: Target, k: Knowledge) -> list[Signal]:
    subs = [s for s in target.subdomains if s not in _NOISE_LABELS]
    out: list[Signal] = []
    for i in range(len(subs)):
        for j in range(i + 2, len(subs) + 1):
            owner = k.legit.get(".".join(subs[i:j]))
            if owner is not None:
                why = f"{owner.name} domain used as a subdomain"
                return [_sig(k, "brand_domain_in_subdomain", why)]
    for sub in subs:
        found = find_token(sub, k.tokens)
        if found is None:
            continue
        tok, delimited, _ = found
        if not tok.ambiguous and (len(tok.text) >= 5 or delimited):
            out.append(_sig(k, "brand_in_subdomain", f"{tok.brand.name} name in a subdomain"))
        elif delimited and len(tok.text) >= 4:
            out.append(
                _sig(k, "brand_ambiguous_subdomain", f"{tok.brand.name} name in a subdomain")
            )
    return out


def _split(target: Target, k: Knowledge) -> list[Signal]:
    labels = [s for s in target.subdomains if s not in _NOISE_LABELS] + [target.label]
    if any(lab.replace("-", "") in k.tokens for lab in labels):
        return []  # a whole label already names the brand: not a split
    variants = [(labels, True), (labels + target.suffix.split(".")[:1], False)]
    for parts, typo_ok in variants:
        for start in range(len(parts) - 1):
            joined = "".join(parts[start:]).replace("-", "")
            tok = k.tokens.get(joined)
            if tok is not None and not tok.ambiguous and len(joined) >= 5:
                # The suffix spelling the name's end (glo.bo) is a domain hack, the
                # shape of brands' own short domains as much as of look-alikes.
                name = "brand_split_across_labels" if typo_ok else "brand_split_domain_hack"
                return [_sig(k, name, f"{tok.brand.name} name split by dots")]
            if typo_ok and tok is None and len(joined) >= 6 and _typo(joined, k):
                return [_sig(k, "brand_split_typo", "brand name split by dots, misspelled")]
    return []


def _scripts(target: Target, k: Knowledge) -> list[Signal]:
    out: list[Signal] = []
    for label in target.labels_unicode:
        if label.isascii():
            continue
        scripts = scripts_of(label) - _CJK
        if len(scripts) > 1:
            mix = "+".join(sorted(scripts)).lower()
            return [_sig(k, "mixed_script", f"mixed scripts in one label ({mix})")]
        out = [_sig(k, "idn", "internationalized (Unicode) domain name")]
    return out


def reseller_signals(target: Target, k: Knowledge) -> list[Signal]:
    """A reseller second-level suffix that reads like a country domain (``.gr.com``)."""
    suffix = target.suffix
    if suffix in k.resellers or (target.private_suffix and _RESELLER_SHAPE.match(suffix)):
        return [
            _sig(k, "reseller_suffix", f"reseller suffix .{suffix} (reads like a country domain)")
        ]
    return []


def brand_signals(target: Target, k: Knowledge) -> list[Signal]:
    """All impersonation signals of a parsed, non-IP target not owned by a brand."""
    plain = target.label.replace("-", "").replace("_", "")
    label_sigs = _exact(target, plain, k) or _homoglyph(target.label_unicode, plain, k)
    if not label_sigs:
        label_sigs = _typo(plain, k) or _combo(target.label, k)
        if not label_sigs and _LOOKALIKE.search(target.label_unicode):
            skel = k.skeletonizer.skeleton(target.label_unicode)
            label_sigs = [
                _sig(k, "brand_homoglyph_combo", s.reason.replace("name combined", "look-alike"))
                for s in _combo(skel, k, k.skeletons)
                if s.name != "brand_ambiguous"
            ]
    return (
        label_sigs
        + _subdomains(target, k)
        + _split(target, k)
        + _scripts(target, k)
        + reseller_signals(target, k)
    )
