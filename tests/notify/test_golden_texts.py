"""Golden texts: every locale and level renders exactly the reviewed text.

A catalog edit, a template change or a Babel upgrade that changes what a person at risk
reads shows up here as a diff to review. After a deliberate change, regenerate with
``MERCWATCH_UPDATE_GOLDEN=1 pytest tests/notify/test_golden_texts.py`` and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mercwatch.model.records import Phase
from mercwatch.notify import MessageRenderer, available_locales

GOLDEN = Path(__file__).with_name("golden")
RENDERER = MessageRenderer(
    checkup_url="https://platform.example/security-checkup",
    help_url="https://helpline.example/",
)


@pytest.mark.parametrize("level", list(Phase), ids=[p.value for p in Phase])
@pytest.mark.parametrize("locale", available_locales())
def test_text_matches_the_golden_copy(locale: str, level: Phase) -> None:
    message = RENDERER.render(level, locale, enforcement="under_review")
    got = f"Subject: {message.subject}\n\n{message.text}"
    path = GOLDEN / f"{locale}.{level.value}.txt"
    if os.environ.get("MERCWATCH_UPDATE_GOLDEN") == "1":
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(got, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == got
