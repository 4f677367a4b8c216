"""Data set, tokenizer, seeded noise and the adherence evaluator."""
from helpers import EXPORTERS  # noqa: F401  (first: sys.path and BLAS thread settings before numpy/torch load)
import math
import unittest

import numpy as np

from tinywan import adherence, data, noise


def scalar_noise(seed, count):
    """The documented generator, written with Python integers and math (independent of numpy)."""
    mask = (1 << 64) - 1

    def u(j):
        z = (seed + (j + 1) * 0x9E3779B97F4A7C15) & mask
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        z ^= z >> 31
        return (z >> 11) * 2.0 ** -53

    out = []
    for p in range((count + 1) // 2):
        u1, u2 = u(2 * p), u(2 * p + 1)
        r = math.sqrt(-2.0 * math.log(1.0 - u1))
        out += [r * math.cos(2 * math.pi * u2), r * math.sin(2 * math.pi * u2)]
    return np.array(out[:count], dtype=np.float32)


class NoiseTest(unittest.TestCase):
    def test_matches_scalar_definition(self):
        np.testing.assert_array_equal(noise.gaussian(42, (101,)), scalar_noise(42, 101))

    def test_statistics(self):
        x = noise.gaussian(7, (64, 1024))
        self.assertAlmostEqual(float(x.mean()), 0.0, delta=0.02)
        self.assertAlmostEqual(float(x.std()), 1.0, delta=0.02)


class TokenizerTest(unittest.TestCase):
    def test_known_unknown_and_empty(self):
        ids = data.tokenize("A red blob moving right!")
        self.assertEqual(list(ids[:5]), [data.VOCAB.index("a"), data.VOCAB.index("red"), 1,
                                         data.VOCAB.index("moving"), data.VOCAB.index("right")])
        self.assertTrue((ids[5:] == 0).all())
        self.assertTrue((data.tokenize("") == 0).all())
        self.assertEqual(len(data.tokenize(" ".join(["red"] * 40))), data.TEXT_LEN)


class CaptionTest(unittest.TestCase):
    SPEC = data.ClipSpec("red", "circle", "left", "slowly", "dark")

    def test_no_attribute_dropout_keeps_the_random_stream(self):
        # drop_attribute=0 must draw exactly the two numbers of the original recipe (speed and background phrase)
        a, b = np.random.default_rng(8), np.random.default_rng(8)
        for _ in range(20):
            caption = data.random_caption(self.SPEC, a)
            self.assertTrue(caption.startswith("a red circle moving left"))
            b.random(); b.random()
        self.assertEqual(a.random(), b.random())

    def test_attribute_dropout_leaves_out_colour_or_shape_never_direction(self):
        rng = np.random.default_rng(9)
        kinds = set()
        for _ in range(200):
            words = data.random_caption(self.SPEC, rng, drop_attribute=1.0).split()
            self.assertIn("left", words)
            self.assertEqual(("red" in words) + ("circle" in words), 1)
            kinds.add("red" in words)
        self.assertEqual(kinds, {True, False})


class SplitTest(unittest.TestCase):
    def test_held_out_triples_are_never_trained(self):
        held = set(data.held_out_triples())
        self.assertEqual(len(held), 12)
        self.assertFalse(held & set(data.training_triples()))
        for p in data.held_out_prompts(50):
            want = adherence.parse_prompt(p)
            self.assertIn((want.color, want.shape, want.direction), held)

    def test_seen_prompts_use_only_training_triples(self):
        prompts = data.seen_prompts(50)
        self.assertEqual(len(set(prompts)), 50)
        trained = set(data.training_triples())
        for p in prompts:
            want = adherence.parse_prompt(p)
            self.assertIn((want.color, want.shape, want.direction), trained)


class AdherenceTest(unittest.TestCase):
    def test_ground_truth_clips_are_recognised(self):
        rng = np.random.default_rng(3)
        scores = []
        for _ in range(200):
            spec = data.random_spec(rng, data.ALL_TRIPLES)
            frames = (data.render_clip(spec, rng).transpose(1, 2, 3, 0) + 1) / 2
            scores.append(adherence.score(spec.caption(), frames))
        self.assertEqual(np.mean([s["adheres"] for s in scores]), 1.0)
        self.assertGreaterEqual(np.mean([s["shape_ok"] for s in scores]), 0.97)

    def test_fast_free_moving_clips_are_recognised(self):
        # objects that leave the frame only drop frames from the centroid track
        rng = np.random.default_rng(6)
        scores = []
        for _ in range(200):
            spec = data.random_spec(rng, data.ALL_TRIPLES)
            clip = data.render_clip(spec, rng, start="free", speeds={"slowly": 2.5, "quickly": 4.0}, radius=(3.5, 5.0))
            scores.append(adherence.score(spec.caption(), (clip.transpose(1, 2, 3, 0) + 1) / 2))
        self.assertGreaterEqual(np.mean([s["adheres"] for s in scores]), 0.99)

    def test_wrong_prompt_is_rejected(self):
        rng = np.random.default_rng(4)
        spec = data.ClipSpec("red", "circle", "left", "quickly", "dark")
        frames = (data.render_clip(spec, rng).transpose(1, 2, 3, 0) + 1) / 2
        self.assertFalse(adherence.score("a blue circle moving left", frames)["color_ok"])
        self.assertFalse(adherence.score("a red circle moving right", frames)["direction_ok"])
        still = np.repeat(frames[:1], data.FRAMES, axis=0)
        self.assertEqual(adherence.detect(still).direction, "none")

    def test_opposite_direction_swaps_only_the_direction_word(self):
        self.assertEqual(data.opposite_direction("a red circle moving left slowly on a dark background"),
                         "a red circle moving right slowly on a dark background")
        self.assertEqual(data.opposite_direction("a blue square moving up"), "a blue square moving down")

    def test_free_start_does_not_depend_on_the_direction(self):
        # first-frame centroid x of right-moving objects: left of centre when the path must stay inside the frame,
        # centred when the start is free
        def mean_start_x(start):
            rng = np.random.default_rng(5)
            xs = []
            for _ in range(200):
                clip = data.render_clip(data.ClipSpec("red", "circle", "right", "quickly", "dark"), rng, start=start)
                first = (clip[:, 0] + 1) / 2
                mask = np.abs(first - np.median(first.reshape(3, -1), axis=1)[:, None, None]).max(axis=0) > 0.25
                xs.append(np.nonzero(mask)[1].mean())
            return float(np.mean(xs))
        self.assertLess(mean_start_x("inside"), 12.0)
        self.assertAlmostEqual(mean_start_x("free"), 15.5, delta=1.5)

    def test_blank_frames_detect_nothing(self):
        self.assertIsNone(adherence.detect(np.full((8, 32, 32, 3), 0.5)).color)


if __name__ == "__main__":
    unittest.main()
