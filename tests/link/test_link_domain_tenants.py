"""The ``link_domain`` tie on a hosting platform the public suffix list does not know
(link/graph.py): two firms renting pages on one platform are not tied by it (altsim
``all`` tuning seeds 97502 and 96402: two firms' personas merged through ``*.hostnook.app``
and ``*.pagecraft.site``), while one firm's hosts on its own domain still tie."""

from __future__ import annotations

from types import SimpleNamespace

from mercwatch.link import LinkConfig
from mercwatch.link.candidates import Candidate
from mercwatch.link.graph import Memberships, build_graph
from mercwatch.link.similarity import pair


def _graph(hosts: dict[str, set[str]], breadth: int | None = None):
    """The tie graph of accounts that only sent the given link hosts."""
    from mercwatch.iocs import registrable_domain

    keys = {a: {registrable_domain(h) for h in sent} for a, sent in hosts.items()}
    domains = {d for sent in keys.values() for d in sent}
    found = Memberships(
        keys={"link_domain": keys},
        breadth={"link_domain": {d: breadth or len(hosts) for d in domains}},
        link_hosts=hosts,
    )
    candidates = {a: Candidate(a, 0.5, 0.0, ("signals",)) for a in hosts}
    return build_graph(SimpleNamespace(config=LinkConfig()), candidates, found)  # type: ignore[arg-type]


def test_two_firms_tenants_on_one_unlisted_hosting_platform_get_no_tie():
    graph = _graph(
        {
            "a1": {"lumenresearch.pagesite.example"},
            "a2": {"lumenresearch.pagesite.example", "atlas.pagesite.example"},
            "b1": {"accounts-photobin.pagesite.example"},
            "b2": {"accounts-photobin.pagesite.example"},
        }
    )
    assert "link_domain" in graph.ties[pair("a1", "a2")]
    assert "link_domain" in graph.ties[pair("b1", "b2")]
    for a in ("a1", "a2"):
        for b in ("b1", "b2"):
            assert "link_domain" not in graph.ties.get(pair(a, b), {})
    # each tenant keeps the whole platform's breadth: never a stronger tie than before
    same = _graph({"a1": {"x.pagesite.example"}, "a2": {"x.pagesite.example"}}, breadth=4)
    assert graph.ties[pair("a1", "a2")] == same.ties[pair("a1", "a2")]


def test_one_firms_hosts_on_its_own_registrable_domain_still_tie():
    """Hosts sent by overlapping senders are one tenant: one crew's several subdomains."""
    graph = _graph(
        {
            "a1": {"login.own-lure.example"},
            "a2": {"login.own-lure.example", "docs.own-lure.example"},
            "a3": {"docs.own-lure.example"},
        }
    )
    for a, b in (("a1", "a2"), ("a1", "a3"), ("a2", "a3")):
        assert "link_domain" in graph.ties[pair(a, b)]
    # and the bare domain sent by anyone makes the whole domain one site
    bare = _graph({"a1": {"own-lure.example"}, "b1": {"x.own-lure.example"}})
    assert "link_domain" in bare.ties[pair("a1", "b1")]
