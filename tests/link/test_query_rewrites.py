"""Link-stage queries rewritten for speed return exactly what the old ones returned.

Session 8 (detector and link hotspots) rewrote several engine queries of the link
stage without changing what they mean: the link events and malicious links
materialised once, template norms computed per distinct text, semi-joins moved before
the distinct unions. Each old query is kept here verbatim and compared with the new
one on a hand-built platform that holds the awkward rows (repeated texts, URLs with
space and trailing dots, a device id equal to an IP, friendships listed both ways or
dated inside the window).
"""

from __future__ import annotations

from datetime import timedelta

import ibis
import pytest
from _helpers.link_world import T0

from mercwatch.link.candidates import _key_users, device_sharers, target_events
from mercwatch.link.config import LinkConfig
from mercwatch.link.context import fetch, keys_table, open_context
from mercwatch.link.graph import _event_pairs, _normalized_text, _texts, _with_breadth
from mercwatch.link.hosts import link_events, url_host, url_norm, with_link_events
from mercwatch.link.intel import as_intel_index
from mercwatch.link.standing import _pre_window_friends
from mercwatch.store.exprs import trim


def _rows(table: ibis.Table) -> list[tuple]:
    return sorted(tuple(row.values()) for row in fetch(table))


@pytest.fixture
def world(platform):
    """Senders repeating texts and links, shared devices and addresses, friendships."""
    for name in ("a", "b", "c", "d", "e", "x"):
        platform.account(name)
    texts = [
        "Hi Ana, see https://Login.Evil.example./x?1 now",
        "Hi Ana, see https://login.evil.example/x?2 now",
        "congrats on the new place",
        "congrats on the new place",
        "Order 12345 ready www.shop.example",
        "Order 99 ready www.shop.example",
    ]
    urls = [
        "  https://Login.Evil.example./x?1 ",
        "https://login.evil.example/x?2",
        "evil.example",
        "",
        None,
        "mailto:someone@example.org",
    ]
    for i, (text, url) in enumerate(zip(texts, urls, strict=True)):
        for actor in ("a", "b", "c")[: 1 + i % 3]:
            platform.event("message", actor, "x", text=text, url=url, ip=f"10.0.0.{i % 2}")
            platform.event("message", actor, "d", text=text, url=url, device_id="dev-1")
    platform.event("post", "d", None, text="congrats on the new place", url="evil.example/")
    platform.event("share_link", None, None, text="no actor", url="https://evil.example")
    platform.event("view_profile", "e", "x", url="https://not-a-link-event.example")
    platform.event("view_profile", "e", "x", ip="dev-1", device_id="10.0.0.1")  # crossed keys
    platform.event("view_profile", "d", "x", device_id="dev-1", ip="10.0.0.0")
    platform.friends("a", "x")
    platform.friends("x", "a")  # listed both ways
    platform.friends("b", "a")
    platform.friends("c", "e", since=T0 + timedelta(days=1))  # inside the window: ignored
    platform.friends("d", "e")
    con = platform.connect()
    ctx = open_context(
        con, platform.signal_table(), as_intel_index(None), LinkConfig(template_max_texts=3)
    )
    return con, ctx


def _old_link_events(ctx) -> ibis.Table:
    ev = ctx.events
    links = ev.filter(
        ev.type.isin(list(ctx.config.link_events))
        & ev.actor_id.notnull()
        & ev.url.notnull()
        & (trim(ev.url) != "")
    )
    return links.mutate(host=url_host(links.url), nurl=url_norm(links.url))


def test_materialised_link_events_are_the_expression_rows(world):
    con, ctx = world
    held = with_link_events(ctx, con)
    assert held.links is not None
    assert link_events(held) is held.links
    assert _rows(link_events(held)) == _rows(_old_link_events(ctx))
    assert _rows(link_events(ctx)) == _rows(_old_link_events(ctx))


def _old_texts(ctx, cand):
    ev = ctx.events
    msgs = ev.filter(
        ev.type.isin(list(ctx.config.link_events)) & ev.text.notnull() & ev.actor_id.notnull()
    )
    msgs = msgs.mutate(norm=_normalized_text(msgs.text))
    mine = msgs.semi_join(cand, msgs.actor_id == cand.actor_id)
    distinct = mine.select("actor_id", "text", "norm").distinct()
    rank = ibis.row_number().over(group_by=distinct.actor_id, order_by=distinct.text)
    capped = distinct.mutate(rank=rank).filter(lambda t: t.rank < ctx.config.template_max_texts)
    used = capped.select("norm").distinct()
    on_used = msgs.semi_join(used, msgs.norm == used.norm)
    breadth = on_used.group_by("norm").agg(n=on_used.actor_id.nunique())
    rows = fetch(capped.join(breadth, "norm").select("actor_id", "text", "n"))
    return [(row["actor_id"], row["text"], int(row["n"])) for row in rows]


@pytest.mark.parametrize("who", [{"a"}, {"b", "c"}, {"a", "b", "c", "d"}, {"e"}])
def test_template_texts_normed_per_distinct_text_match_per_message(world, who):
    _, ctx = world
    cand = keys_table("actor_id", who)
    assert sorted(_texts(ctx, cand)) == sorted(_old_texts(ctx, cand))


def _old_pre_window_friends(con, ctx, wanted):
    friendships = con.table("friendships")
    start = ctx.events.ts.min()
    before = friendships.filter(friendships.since.isnull() | (friendships.since < start))
    both = before.select(account="a", friend="b").union(
        before.select(account="b", friend="a"), distinct=True
    )
    keys = keys_table("account", wanted)
    mine = both.semi_join(keys, both.account == keys.account)
    return [(row["account"], row["friend"]) for row in fetch(mine.order_by(["account", "friend"]))]


@pytest.mark.parametrize("wanted", [["a"], ["a", "x"], ["c", "e"], ["d", "e", "nobody"]])
def test_pre_window_friends_narrowed_first_match_the_union_first(world, wanted):
    con, ctx = world
    assert _pre_window_friends(con, ctx, wanted) == _old_pre_window_friends(con, ctx, wanted)


def _old_key_users(ctx) -> ibis.Table:
    ev = ctx.events.filter(ctx.events.actor_id.notnull())
    return ibis.union(
        ev.select("actor_id", value=ev.ip),
        ev.select("actor_id", value=ev.device_id),
        distinct=True,
    )


@pytest.mark.parametrize("flagged", [["dev-1"], ["10.0.0.1"], ["10.0.0.0", "dev-1"], ["none"]])
def test_key_users_narrowed_first_match_the_union_first(world, flagged):
    _, ctx = world
    wanted = keys_table("flagged", flagged)
    old = _old_key_users(ctx)
    old = old.semi_join(wanted, old.value == wanted.flagged)
    assert _rows(_key_users(ctx, wanted)) == _rows(old)


@pytest.mark.parametrize("column", ["ip", "device_id"])
def test_breadth_over_undeduplicated_pairs_matches_distinct_pairs(world, column):
    _, ctx = world
    ev = ctx.events
    rows = ev.filter(ev.actor_id.notnull() & ev[column].notnull() & (ev[column] != ""))
    old_pairs = rows.select("actor_id", key=rows[column]).distinct()
    for who in ({"a"}, {"d", "e"}, {"a", "b", "c", "d", "e"}):
        cand = keys_table("actor_id", who)
        assert _with_breadth(_event_pairs(ctx, column), cand) == _with_breadth(old_pairs, cand)


def _old_device_sharers(ctx, strong):
    ev = ctx.events.filter(ctx.events.device_id.notnull() & ctx.events.actor_id.notnull())
    pairs = ev.select("actor_id", "device_id").distinct()
    keys = keys_table("actor_id", strong)
    used = pairs.semi_join(keys, pairs.actor_id == keys.actor_id).select("device_id")
    on_used = pairs.semi_join(used, pairs.device_id == used.device_id)
    breadth = on_used.group_by("device_id").agg(n=on_used.actor_id.nunique())
    rare = breadth.filter(breadth.n <= ctx.config.infra_max_accounts)
    te = target_events(ctx)
    acting = te.semi_join(rare, te.device_id == rare.device_id).select("actor_id").distinct()
    return {row["actor_id"] for row in fetch(acting)} - strong


@pytest.mark.parametrize("strong", [{"a"}, {"e"}, {"b", "d"}])
def test_device_sharers_without_first_distinct_match(world, strong):
    _, ctx = world
    assert device_sharers(ctx, strong) == _old_device_sharers(ctx, strong)
