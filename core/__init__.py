"""The ground floor: helpers every app may use (clock, money, formatting, PDFs, bulk writes and chunked
batches, permissions, the singleton-policy base, the all-or-nothing CSV import, admin helpers).

It imports no app of the portal; `lint-imports` (pyproject.toml) checks that on every CI run.
"""
