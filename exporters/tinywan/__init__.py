"""tiny-wan: a small video DiT with Wan2.1's structure, its procedural data set, and the flow-matching sampler."""
import glob
import os

# Import this package before torch. With the pthread build of OpenBLAS as the system BLAS (setup.sh selects the
# OpenMP build instead), libgomp's busy-waiting threads and OpenBLAS's own workers fight over the cores: a 50-step
# generation takes 16.4 s instead of 4.2 s. A passive OpenMP wait policy removes most of that; with the OpenMP build
# it would cost ~25% of a training step, so it is only set for the pthread build.
if any("openblas-pthread" in os.path.realpath(p) for p in glob.glob("/etc/alternatives/libblas.so.3-*")):
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
