"""Benign text, links and user agents, rendered in bulk from the vocabulary.

Benign links deliberately include URL shorteners (bit.ly, t.co ...) and the official
short domains of news outlets (nyti.ms, reut.rs ...), which look like squats but are not.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mercwatch.sim import columns as col
from mercwatch.sim.population import Population
from mercwatch.sim.vocab import Vocab

#: Indices in ``user_agents`` of phone browsers; the others are desktop browsers.
MOBILE_UA = (5, 6, 7, 8, 9)
URL_STYLES = ("article", "video", "short", "shop", "repo", "page")


class TextKit:
    """Renders the strings of benign events for one population."""

    def __init__(self, vocab: Vocab, pop: Population) -> None:
        self.vocab, self.pop = vocab, pop
        self.first_names = pa.array(vocab.list("first_names"), pa.string())
        self.last_names = pa.array(vocab.list("last_names"), pa.string())
        uas = vocab.list("user_agents")
        self._uas = pa.array(uas, pa.string())
        self._mobile = np.array(MOBILE_UA)
        self._desktop = np.array([i for i in range(len(uas)) if i not in MOBILE_UA])
        self.domains, self._domain_p = vocab.weighted("benign_domains")
        styles = [r[2] for r in vocab.list("benign_domains")]
        self._domain_style = np.array([URL_STYLES.index(s) for s in styles])
        self._words = pa.array(vocab.list("url_words"), pa.string())

    def first_of(self, who: np.ndarray) -> pa.Array:
        """First names of accounts."""
        return self.first_names.take(pa.array(self.pop.first[who].astype(np.int64)))

    def full_name_of(self, who: np.ndarray) -> pa.Array:
        """ "First Last" of accounts."""
        last = self.last_names.take(pa.array(self.pop.last[who].astype(np.int64)))
        return col.join(self.first_of(who), " ", last)

    def user_agents(self, device: np.ndarray, slot: np.ndarray) -> pa.Array:
        """A stable browser per device: phones get mobile agents, computers desktop ones."""
        code = (device % np.uint64(1 << 20)).astype(np.int64)
        idx = np.where(
            slot == 0,
            self._mobile[code % len(self._mobile)],
            self._desktop[code % len(self._desktop)],
        )
        return col.take_dict(self._uas, idx)

    def searches(self, rng: np.random.Generator, people: np.ndarray) -> pa.Array:
        """Half look for a person by name, half for a topic."""
        n = len(people)
        topics = col.take(
            self.vocab.list("search_topics"),
            rng.integers(0, len(self.vocab.list("search_topics")), n),
        )
        names = self.full_name_of(people)
        return pc.if_else(pa.array(rng.random(n) < 0.5), names, topics)

    def chat(self, rng: np.random.Generator, target: np.ndarray) -> tuple[pa.Array, pa.Array]:
        """Private messages: small talk, greetings by first name, a shared link now and then."""
        n = len(target)
        casual = self.vocab.list("casual_messages")
        greet = self.vocab.list("greeting_messages")
        u = rng.random(n)
        choice = np.where(
            u < 0.12, len(casual) + rng.integers(0, len(greet), n), rng.integers(0, len(casual), n)
        )
        text = col.fill_templates([*casual, *greet], choice, {"first": self.first_of(target)})
        with_url = u > 0.92
        return text, self._some_urls(rng, with_url)

    def posts(self, rng: np.random.Generator, n: int) -> tuple[pa.Array, pa.Array]:
        """Public posts; some carry a link."""
        posts = self.vocab.list("posts")
        text = col.take(posts, rng.integers(0, len(posts), n))
        return text, self._some_urls(rng, rng.random(n) < 0.15)

    def _some_urls(self, rng: np.random.Generator, mask: np.ndarray) -> pa.Array:
        rows = np.flatnonzero(mask)
        index = np.full(len(mask), -1)
        index[rows] = np.arange(len(rows))
        return self.urls(rng, len(rows)).take(pa.array(index, mask=index < 0))

    def urls(self, rng: np.random.Generator, n: int) -> pa.Array:
        """Links to real popular sites and shorteners, with plausible paths."""
        domain = rng.choice(len(self.domains), n, p=self._domain_p)
        host = col.take(self.domains, domain)
        style = self._domain_style[domain]
        word = self._words.take(pa.array(rng.integers(0, len(self._words), n)))
        forms = {
            "article": col.join("https://", host, "/", word, "/", col.tokens(rng, n, 8)),
            "video": col.join("https://", host, "/watch?v=", col.tokens(rng, n, 11)),
            "short": col.join("https://", host, "/", col.tokens(rng, n, 7)),
            "shop": col.join("https://", host, "/dp/", col.tokens(rng, n, 10)),
            "repo": col.join(
                "https://", host, "/", col.tokens(rng, n, 6), "/", col.tokens(rng, n, 8)
            ),
            "page": col.join("https://", host, "/", col.tokens(rng, n, 8)),
        }
        out = forms["page"]
        for i, name in enumerate(URL_STYLES):
            out = pc.if_else(pa.array(style == i), forms[name], out)
        return out
