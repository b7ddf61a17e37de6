"""Which language to warn a person in, with the fallback chain written down.

A warning in a language the person cannot read is barely a warning, and falling back to
English without saying so hides the gap (issue 13). So the choice is explicit: the
account's own locale first, then the main language of its country, then English; each
notification records the chain it walked (``locale_fallback``), ending with the locale
actually used, so anyone can count who was warned in a fallback language.
"""

from __future__ import annotations

from mercwatch.notify.render import DEFAULT_LOCALE, available_locales


def _codes(spaced: str) -> list[str]:
    return spaced.split(" ")


# Main language of a country, as a BCP 47 tag (language-REGION). Chosen for where
# targeted people live (Meta's threat reports: 100+ countries); a country not listed
# falls back to English, and the chain says so.
COUNTRY_LOCALE: dict[str, str] = {
    # Spanish
    **{c: f"es-{c}" for c in _codes("ES MX AR CO PE VE CL EC GT CU BO DO HN PY SV NI CR PA UY")},
    # Portuguese
    **{c: f"pt-{c}" for c in _codes("BR PT AO MZ")},
    # French
    **{c: f"fr-{c}" for c in _codes("FR BE SN CI ML BF NE TD GN CM CD HT TG BJ")},
    # Arabic
    **{c: f"ar-{c}" for c in _codes("SA EG AE MA DZ TN LY IQ SY JO LB PS YE QA BH KW OM SD MR")},
    "IR": "fa-IR",
    "AF": "fa-AF",
    "PK": "ur-PK",
    "IN": "hi-IN",
    "BD": "bn-BD",
    "RU": "ru-RU",
    "BY": "ru-BY",
    "KZ": "ru-KZ",
    "UA": "uk-UA",
    "TR": "tr-TR",
    "ID": "id-ID",
    "CN": "zh-CN",
    "TW": "zh-TW",
    "HK": "zh-HK",
    "VN": "vi-VN",
    "KE": "sw-KE",
    "TZ": "sw-TZ",
    "DE": "de-DE",
    "AT": "de-AT",
    "IT": "it-IT",
    "ET": "am-ET",
    "MM": "my-MM",
    "KH": "km-KH",
    "GR": "el-GR",
    "CY": "el-CY",
    "TH": "th-TH",
    "PH": "fil-PH",
    "NG": "en-NG",
    "GB": "en-GB",
    "US": "en-US",
    "CA": "en-CA",
    "AU": "en-AU",
    "ZA": "en-ZA",
    "HU": "hu-HU",
    "PL": "pl-PL",
    "RS": "sr-RS",
    "AZ": "az-AZ",
    "AM": "hy-AM",
    "GE": "ka-GE",
}


def normalise_tag(tag: str | None) -> str | None:
    """``pt_br`` / ``PT-br`` -> ``pt-BR``; empty or unusable -> ``None``."""
    if not tag:
        return None
    parts = [p for p in tag.strip().replace("_", "-").split("-") if p]
    if not parts or not parts[0].isalpha() or not 2 <= len(parts[0]) <= 3:
        return None
    language = parts[0].lower()
    rest = [p.upper() if len(p) == 2 and p.isalpha() else p for p in parts[1:]]
    return "-".join([language, *rest])


def _candidates(tag: str | None) -> list[str]:
    normal = normalise_tag(tag)
    if normal is None:
        return []
    language = normal.split("-")[0]
    return [normal] if normal == language else [normal, language]


def resolve_locale(
    locale: str | None = None,
    country: str | None = None,
    supported: tuple[str, ...] | None = None,
) -> tuple[str, tuple[str, ...]]:
    """(locale used, chain walked): the account's locale, its country's, then English.

    The chain lists every tag tried in order and ends with the one used, e.g.
    ``("pt-BR", "pt", "en")`` for a Brazilian account while Portuguese has no texts.
    """
    supported = supported if supported is not None else available_locales()
    wanted = _candidates(locale)
    if country:
        wanted += _candidates(COUNTRY_LOCALE.get(country.strip().upper()))
    chain: list[str] = []
    for tag in [*wanted, DEFAULT_LOCALE]:
        if tag in chain:
            continue
        chain.append(tag)
        if tag in supported:
            return tag, tuple(chain)
    return DEFAULT_LOCALE, tuple(chain)
