"""Which seeds may be looked at while tuning, and which are kept for the final figures.

Why this exists (issue 11, items 6c and 7): every end-to-end seed the project had used
was also used to fix the detectors, so no untouched platform remained and "held out"
figures were not. Here the two sets are named once, in code, and are disjoint
(``tests/test_evalsets.py`` fails otherwise):

- TUNING seeds may be simulated, inspected and tuned on as often as wanted.
- EVALUATION seeds are run only by ``bench/bench_generality.py`` to MEASURE; nobody
  reads their operations, false positives or per-account evidence to change a detector,
  a threshold or a word list. When a change is made because of an evaluation result,
  the seeds it was seen on become tuning seeds (move them, add fresh ones) and the
  commit says so.

Seeds are per generator, since ``sim`` seed 1 and ``altsim`` seed 1 are unrelated
platforms. Everything below 1000 counts as a tuning seed: the project's benches and
tests used small seeds (1-13, 101) before this split.
"""

from __future__ import annotations

TUNING_SEEDS: dict[str, tuple[int, ...]] = {
    # 7301-7303 and 52001-52003 were the first evaluation seeds; they were measured after
    # changes twice (Dec 2026, issue 11 rounds 1 and 2) and are tuning seeds from then on.
    "sim": tuple(range(1, 21))
    + (101, 7301, 7302, 7303, 8411, 8412, 8413, 9521, 9522, 9523, 9641, 9642, 9643)
    + (9761, 9762, 9763, 9881, 9882, 9883, 10111, 10112, 10113),
    "altsim": tuple(range(1, 21))
    + (52001, 52002, 52003, 63001, 63002, 63003, 74101, 74102, 74103, 85301, 85302, 85303)
    + (96401, 96402, 96403, 97501, 97502, 97503, 108201, 108202, 108203),
    # 8411-8413 and 63001-63003 were the second evaluation set, measured once at the end
    # of session 5; the next round's recall work was aimed at the failures they showed
    # (ops-as-crowds, low-and-slow targets), so they are tuning seeds from session 6 on.
    # 9521-9523 and 74101-74103 were the third set, measured once at the end of session 6;
    # session 7 diagnoses the failures they showed (a true operation absorbing an office
    # team on altsim 74102, recall short on four platforms), so they are tuning seeds now.
    # 9641-9643 and 85301-85303 were the fourth set, measured once at the end of session 8
    # (docs/benchmarks.md "Session 8: fourth evaluation seeds"); the next round diagnoses
    # what they showed (hosted-infra recall, true operations merged into one record), so
    # they are tuning seeds now.
    # 9761-9763 and 96401-96403 were the fifth set, measured once at the end of session 9
    # (docs/benchmarks.md "Session 9: fifth evaluation seeds"); the next round diagnoses what
    # they showed (recall on sim 9762/9763, fragmentation on altsim 96402), so they are
    # tuning seeds now.
    # 9881-9883 and 97501-97503 were the sixth set, measured once at the end of session 10
    # (docs/benchmarks.md "Session 10: sixth evaluation seeds"); the next round diagnoses what
    # they showed (altsim 97503: fragmentation, merges, recall), so they are tuning seeds now.
    # 10111-10113 and 108201-108203 were the seventh set, measured once at the end of session
    # 11 (docs/benchmarks.md "Session 11: seventh evaluation seeds"); the next round diagnoses
    # what they showed (sim 10112 recall, merges across firms), so they are tuning seeds now.
}

EVALUATION_SEEDS: dict[str, tuple[int, ...]] = {
    # Eighth set, chosen on 5 Dec 2026 (session 11) after the seventh set was measured and
    # before any change made because of it; never used before anywhere in the repository:
    # run only by bench/bench_generality.py for the next round's final figures.
    "sim": (10351, 10352, 10353),
    "altsim": (119401, 119402, 119403),
}

GENERATORS = ("sim", "altsim")


def is_tuning_seed(generator: str, seed: int) -> bool:
    """True if ``seed`` may be used for tuning: a named tuning seed or any seed below 1000
    that is not an evaluation seed."""
    if seed in EVALUATION_SEEDS.get(generator, ()):
        return False
    return seed in TUNING_SEEDS.get(generator, ()) or seed < 1000


def evaluation_seeds(generator: str) -> tuple[int, ...]:
    try:
        return EVALUATION_SEEDS[generator]
    except KeyError as exc:
        raise KeyError(f"no evaluation seeds for generator {generator!r}") from exc
