import os
import sys

EXPORTERS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(EXPORTERS)
sys.path.insert(0, EXPORTERS)

# Before torch loads, also under plain unittest discovery (conftest.py does the same for pytest): BLAS thread settings.
import tinywan  # noqa: E402,F401
import torch  # noqa: E402

torch.set_num_threads(2)

# The shipped package; MIXCACHE_TEST_PACKAGE points the tests at another export (development).
PACKAGE = os.environ.get("MIXCACHE_TEST_PACKAGE", os.path.join(REPO, "models", "tiny-wan"))
CHECKPOINT = os.path.join(PACKAGE, "tiny-wan.pt")
