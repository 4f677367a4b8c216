"""pytest setup for the exporter tests."""
import tinywan  # noqa: F401  (before any test module loads torch; see tinywan/__init__.py)
