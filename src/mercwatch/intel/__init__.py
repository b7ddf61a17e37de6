"""Intelligence exchange: indicators out (STIX 2.1, MISP, Meta CSV, plain) and in.

Exports never carry target data (see :func:`mercwatch.intel.indicators.select_indicators`);
imports keep every record accounted for as an indicator or a reported oddity.
The TAXII server and the HTML report live in ``intel.taxii`` and ``intel.report``.
"""

from mercwatch.intel.feeds import detect_format, intel_index, load_feed, load_feeds, parse_feed
from mercwatch.intel.indicators import classify, defang, normalize, refang, select_indicators
from mercwatch.intel.meta_csv import export_csv_2021, export_csv_2023
from mercwatch.intel.misp import export_misp, write_misp
from mercwatch.intel.plain import export_plain
from mercwatch.intel.records import Feed, MatchSet, Oddity
from mercwatch.intel.stix import export_stix, write_stix

__all__ = [
    "Feed",
    "MatchSet",
    "Oddity",
    "classify",
    "defang",
    "detect_format",
    "export_csv_2021",
    "export_csv_2023",
    "export_misp",
    "export_plain",
    "export_stix",
    "intel_index",
    "load_feed",
    "load_feeds",
    "normalize",
    "parse_feed",
    "refang",
    "select_indicators",
    "write_misp",
    "write_stix",
]
