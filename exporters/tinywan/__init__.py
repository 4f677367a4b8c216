"""tiny-wan: a small video DiT with Wan2.1's structure, its procedural data set, and the flow-matching sampler."""
