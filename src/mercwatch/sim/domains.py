"""Operation domains, generated per seed in the styles surveillance firms used.

Styles follow Meta's Dec 2021 descriptions: typosquats, combosquats and homoglyphs of
news outlets, spoofs of URL shorteners, social and messaging brands in subdomains, and
fake "update" or "connectivity" services. Nothing is copied from the published
indicator lists, which stay held out for honest evaluation.
"""

from __future__ import annotations

from collections.abc import Callable

import idna
import numpy as np

from mercwatch.sim.vocab import Vocab

#: ASCII look-alikes and Cyrillic homoglyphs (encoded to punycode in the domain).
ASCII_GLYPHS = {"o": "0", "l": "1", "i": "l", "m": "rn", "w": "vv", "e": "3", "a": "4"}
CYRILLIC = {
    "a": "\u0430",
    "e": "\u0435",
    "o": "\u043e",
    "p": "\u0440",
    "c": "\u0441",
    "x": "\u0445",
}
KEYBOARD = {
    "a": "qs",
    "e": "wr",
    "i": "uo",
    "o": "ip",
    "u": "yi",
    "r": "et",
    "t": "ry",
    "n": "bm",
    "s": "ad",
    "c": "xv",
    "l": "k",
    "m": "n",
    "d": "sf",
    "g": "fh",
}


def _label(domain: str) -> str:
    """The brand label of a domain ("nytimes" for "nytimes.com")."""
    return domain.split(".")[0]


class DomainForge:
    """Generates look-alike domains for one run; never repeats or hits a benign domain."""

    def __init__(self, rng: np.random.Generator, vocab: Vocab) -> None:
        self.rng, self.vocab = rng, vocab
        self._taken: set[str] = {r[0] for r in vocab.list("benign_domains")}
        for outlet in vocab.list("news_outlets"):
            self._taken.update((outlet["domain"], outlet["short"]))
        self._taken.update(vocab.list("shorteners"))

    def _pick(self, key: str) -> str:
        items = self.vocab.list(key)
        return str(items[int(self.rng.integers(len(items)))])

    def _tld(self) -> str:
        return self._pick("op_tlds")

    def _outlet(self) -> str:
        outlets = self.vocab.list("news_outlets")
        return _label(outlets[int(self.rng.integers(len(outlets)))]["domain"])

    def news_typo(self) -> str:
        """One edit of an outlet's name: omission, swap, repetition or adjacent key."""
        name = self._outlet()
        i = int(self.rng.integers(1, len(name) - 1))
        edits = [
            name[:i] + name[i + 1 :],
            name[:i] + name[i + 1] + name[i] + name[i + 2 :],
            name[:i] + name[i] + name[i:],
            name[:i] + KEYBOARD.get(name[i], "x")[0] + name[i + 1 :],
            name[:i] + "-" + name[i:],
        ]
        return f"{edits[int(self.rng.integers(len(edits)))]}.{self._tld()}"

    def news_combo(self) -> str:
        """Outlet name plus a news word: ``bbc-breaking.live``."""
        word = self._pick("news_words")
        name = self._outlet()
        form = int(self.rng.integers(3))
        combo = [f"{name}-{word}", f"{word}-{name}", f"{name}{word}"][form]
        return f"{combo}.{self._tld()}"

    def news_homoglyph(self) -> str:
        """Outlet name with a look-alike character (ASCII or Cyrillic, as punycode)."""
        name = self._outlet()
        table = CYRILLIC if self.rng.random() < 0.5 else ASCII_GLYPHS
        spots = [i for i, ch in enumerate(name) if ch in table]
        if not spots:
            return self.news_typo()
        i = spots[int(self.rng.integers(len(spots)))]
        spoof = f"{name[:i]}{table[name[i]]}{name[i + 1 :]}.{self._tld()}"
        return idna.encode(spoof, uts46=True).decode("ascii")

    def shortener_spoof(self) -> str:
        """A URL shortener's name bent: ``bit-ly.link``, ``tinyurl-s.com``."""
        short = self._pick("shorteners")
        flat = short.replace(".", "-") if self.rng.random() < 0.5 else short.replace(".", "")
        extra = ["", "s", "url", "go", "link"][int(self.rng.integers(5))]
        return f"{flat}{extra}.{self._tld()}"

    def brand_subdomain(self) -> str:
        """A brand as subdomain of an operator's domain: ``whatsapp.com-verify.site``."""
        brand = self._pick("brands")
        lure, word = self._pick("lure_words"), self._pick("update_words")
        if self.rng.random() < 0.5:
            return f"{brand}.com-{lure}.{self._tld()}"
        return f"{brand}.{lure}-{word}.{self._tld()}"

    def brand_combo(self) -> str:
        """Brand plus lure word: ``secure-instagram-login.info``."""
        brand, lure = self._pick("brands"), self._pick("lure_words")
        return (
            f"{lure}-{brand}.{self._tld()}"
            if self.rng.random() < 0.5
            else f"{brand}-{lure}.{self._tld()}"
        )

    def update_service(self) -> str:
        """A fake update or connectivity service: ``android-sync-cdn.net``."""
        words = self.vocab.list("update_words")
        a, b = (words[int(i)] for i in self.rng.choice(len(words), 2, replace=False))
        prefix = ["", "android-", "ios-", "sys-", "my"][int(self.rng.integers(5))]
        return f"{prefix}{a}-{b}.{self._tld()}"

    def make(self, styles: tuple[str, ...], count: int) -> list[str]:
        """``count`` fresh domains, cycling through ``styles`` (method names)."""
        makers: dict[str, Callable[[], str]] = {s: getattr(self, s) for s in styles}
        out: list[str] = []
        attempts = 0
        while len(out) < count and attempts < count * 50:
            attempts += 1
            domain = makers[styles[len(out) % len(styles)]]()
            if domain not in self._taken:
                self._taken.add(domain)
                out.append(domain)
        return out


#: URL path shapes per domain style: {t} is a random token.
PATHS = {
    "news_typo": ("/{section}/2021/{t}.html", "/article/{t}"),
    "news_combo": ("/{section}/{t}", "/live/{t}"),
    "news_homoglyph": ("/{section}/2021/{t}.html",),
    "shortener_spoof": ("/{t}",),
    "brand_subdomain": ("/login?session={t}", "/accounts/verify/{t}"),
    "brand_combo": ("/signin/{t}", "/auth?next={t}"),
    "update_service": ("/update/{t}", "/apk/{t}", "/connect?id={t}"),
}
