"""pytest configuration: a deterministic Hypothesis profile."""

from hypothesis import settings

# No example database on disk (the tests run from the repository), no deadline (2-core CI),
# the same examples on every run.
settings.register_profile("claw", database=None, deadline=None, derandomize=True)
settings.load_profile("claw")
