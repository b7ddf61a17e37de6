"""Helpers several test folders import: ``from _helpers.scenes import Scene``.

``tests/`` is on the import path through pyproject's ``[tool.pytest.ini_options]
pythonpath``, so no test or conftest edits ``sys.path`` and nothing is imported from a
conftest (tests/test_lint.py checks both): a conftest only declares fixtures.
"""
