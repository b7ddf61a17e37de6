"""Read-side queries over a ``mercwatch run`` output folder, shared by the API and the CLI.

    run_tables   the run's ``signals.parquet`` / ``accounts.parquet`` (written by the run)
    tables       paged, filtered, sorted reads of those files through DuckDB
    runs         the versioned run folders ``OUT/.runs/NNNNNN`` with their summaries
    parsed_file  a run file parsed once, re-parsed when it changes (operations, notifications)

A library package (not under ``api`` or ``web``) so the dashboard can use the same
queries without a second implementation.
"""
