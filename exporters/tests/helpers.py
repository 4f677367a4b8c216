import os
import sys

import torch

EXPORTERS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(EXPORTERS)
sys.path.insert(0, EXPORTERS)
torch.set_num_threads(2)

# The shipped package; MIXCACHE_TEST_PACKAGE points the tests at another export (development).
PACKAGE = os.environ.get("MIXCACHE_TEST_PACKAGE", os.path.join(REPO, "models", "tiny-wan"))
CHECKPOINT = os.path.join(PACKAGE, "tiny-wan.pt")
