"""No shared artefact names a targeted person, however the lure link spelled them.

Operators personalise links: ``/signin/nour.novak``, ``?rid=<account id>``, the name
base64- or percent-encoded, as an e-mail, in any case and with any separator. A
simulated operation delivers such links (in its infrastructure and in its evidence);
every shared format is then searched for the identity, normalised the same way an
attacker would undo it: case and separators ignored, percent-decoded, HTML-unescaped,
base64 runs decoded. The oracle is written here, independent of ``mercwatch.iocs``.

Formats: STIX 2.1 (also what TAXII collections are published from), MISP, Meta's 2021
and 2023 CSVs, plain and defanged plain lists, report.html and report.md (rendered
without the display names, as ``mercwatch report`` re-renders a run folder, and with
them, as ``run`` does), and the reader-level API view (which the dashboard shows too).

The reader view and the name-less report know only the account ids: they must hold
by the shape rule alone (an unknown word in a path is never shared).
"""

from __future__ import annotations

import base64
import binascii
import html
import json
import re
from collections.abc import Callable
from datetime import datetime
from urllib.parse import quote, unquote_plus

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from mercwatch.api.operations import operation_out
from mercwatch.auth.keys import Principal, Role
from mercwatch.intel.meta_csv import export_csv_2021, export_csv_2023
from mercwatch.intel.misp import export_misp
from mercwatch.intel.plain import export_plain
from mercwatch.intel.report.render import render_html, render_markdown
from mercwatch.intel.stix import export_stix
from mercwatch.model import Evidence, Infrastructure, Operation, Phase

CLOCK = datetime(2026, 1, 1, 12, 0)
HOSTS = ("secure-verify-login.com", "news-update24.net", "cdn.docs-share.org")
PREFIXES = ("", "/signin", "/u", "/wp-content/uploads", "/p/view", "/login.php")
Export = Callable[[list[Operation], tuple[str, ...]], str]

EXPORTS: dict[str, Export] = {
    "stix": lambda ops, names: export_stix(ops, clock=lambda: CLOCK, sensitive=names).serialize(),
    "misp": lambda ops, names: json.dumps(
        [json.loads(e.to_json()) for e in export_misp(ops, sensitive=names)]
    ),
    "csv2021": lambda ops, names: export_csv_2021(ops, sensitive=names),
    "csv2023": lambda ops, names: export_csv_2023(ops, sensitive=names),
    "plain": lambda ops, names: export_plain(ops, sensitive=names),
    "plain-defanged": lambda ops, names: export_plain(ops, defanged=True, sensitive=names),
    "report.html": lambda ops, names: render_html(ops, generated_at=CLOCK),
    "report.md": lambda ops, names: render_markdown(ops, generated_at=CLOCK),
    "report.html+names": lambda ops, names: render_html(ops, generated_at=CLOCK, identities=names),
    "report.md+names": lambda ops, names: render_markdown(
        ops, generated_at=CLOCK, identities=names
    ),
    "api-reader": lambda ops, names: json.dumps(
        [operation_out(op, Principal("k", Role.READER)).model_dump(mode="json") for op in ops]
    ),
}


# --- the oracle: every way a reader could undo the spelling ------------------------

_B64_RUN = re.compile(r"[A-Za-z0-9+/_-]{8,}={0,2}")


def _b64(run: str) -> str:
    body = run.rstrip("=").replace("-", "+").replace("_", "/")
    try:
        return base64.b64decode(body + "=" * (-len(body) % 4)).decode("utf-8", "ignore")
    except (binascii.Error, ValueError):
        return ""


def _normal(text: str) -> str:
    text = re.sub(r"[\[({](?:dot|\.)[\])}]", ".", text, flags=re.IGNORECASE)
    return re.sub(r"[^0-9a-z]", "", text.casefold())


def _readings(output: str) -> str:
    """The output as a reader could read it, every reading normalised, joined by '|'."""
    texts = [output, html.unescape(output)]
    current = output
    for _ in range(3):
        current = unquote_plus(current)
        texts.append(current)
    texts += [_b64(run) for text in list(texts) for run in _B64_RUN.findall(text)]
    return "|".join(_normal(t) for t in texts)


def _leaks(readings: str, identity: str) -> bool:
    return _normal(identity) in readings


# --- the simulated operation --------------------------------------------------------

NAME = st.from_regex(r"[A-Z][a-z]{4,8}", fullmatch=True)
ACCOUNT = st.from_regex(r"[a-z]{2,4}[0-9]{5,8}", fullmatch=True)


def _case(text: str, how: str) -> str:
    return {"lower": text.lower(), "upper": text.upper(), "title": text.title()}.get(how, text)


def _encode(text: str, how: str) -> str:
    if how == "percent":
        return quote(text, safe="")
    if how == "percent-all":
        return "".join(f"%{b:02X}" for b in text.encode())
    if how == "double-percent":
        return quote(quote(text, safe=""), safe="")
    if how == "base64":
        return base64.b64encode(text.encode()).decode()
    if how == "base64url":
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")
    if how == "email":
        return quote(f"{text}@gmail.com", safe="@")
    return quote(text, safe="@+")


@st.composite
def lure_url(draw: st.DrawFn, account: str, first: str, last: str) -> str:
    sep = draw(st.sampled_from([".", "_", "-", " ", "", "+"]))
    who = draw(
        st.sampled_from([account, f"{first}{sep}{last}", f"{last}{sep}{first}", first, last])
    )
    spelled = _encode(
        _case(who, draw(st.sampled_from(["lower", "upper", "title", "as is"]))),
        draw(
            st.sampled_from(
                [
                    "plain",
                    "percent",
                    "percent-all",
                    "double-percent",
                    "base64",
                    "base64url",
                    "email",
                ]
            )
        ),
    )
    host = draw(st.sampled_from(HOSTS))
    prefix = draw(st.sampled_from(PREFIXES))
    where = draw(st.sampled_from(["path", "path+", "query", "fragment"]))
    if where == "path":
        return f"https://{host}{prefix}/{spelled}"
    if where == "path+":
        return f"https://{host}{prefix}/{spelled}/inbox?lang=en"
    key = draw(st.sampled_from(["rid", "u", "user", "email", "id"]))
    if where == "query":
        return f"https://{host}{prefix}?{key}={spelled}&lang=en"
    return f"https://{host}{prefix}#{key}={spelled}"


def operation(account: str, urls: list[str]) -> Operation:
    evidence = tuple(
        Evidence("phishing_links", Phase.EXPLOITATION, url, 0.9, f"sent {url} to {account}")
        for url in urls
    )
    return Operation(
        operation_id="op-0001",
        confidence=0.9,
        phases=(Phase.ENGAGEMENT, Phase.EXPLOITATION),
        accounts=("persona-1", "persona-2"),
        targets=(account,),
        infrastructure=Infrastructure(domains=HOSTS, urls=tuple(urls), ips=("203.0.113.7",)),
        first_seen=datetime(2025, 12, 1),
        last_seen=datetime(2025, 12, 20),
        evidence=evidence,
    )


# Boilerplate of every format, from an operation with the same link shapes and a
# neutral person: an identity already found here (a word of the template) proves
# nothing and is skipped.
_NEUTRAL_LINKS = [
    f"https://{h}{p}/{w}" for h in HOSTS for p in PREFIXES for w in ("qqzx.vvkw", "zq00000")
]
BASELINE = {
    name: _readings(export([operation("zq00000", _NEUTRAL_LINKS)], ("Qqzx Vvkw",)))
    for name, export in EXPORTS.items()
}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), account=ACCOUNT, first=NAME, last=NAME)
def test_no_shared_format_names_the_target(
    data: st.DataObject, account: str, first: str, last: str
) -> None:
    identities = (account, f"{first} {last}", first, last)
    for identity in identities:
        assume(not any(_leaks(b, identity) for b in BASELINE.values()))
    urls = data.draw(st.lists(lure_url(account, first, last), min_size=1, max_size=4))
    ops = [operation(account, urls)]
    for name, export in EXPORTS.items():
        readings = _readings(export(ops, (f"{first} {last}",)))
        for identity in identities:
            assert not _leaks(readings, identity), f"{name} names {identity!r} ({urls})"
        assert (
            "secureverifylogin" in readings
            or "newsupdate24" in readings
            or ("docsshare" in readings)
        ), f"{name} lost the operation's own infrastructure"
