"""sweep_sampler.py: grid parsing and the per-cell summary."""
from helpers import EXPORTERS  # noqa: F401  (first: sys.path and BLAS thread settings before numpy/torch load)
import contextlib
import io
import unittest

import sweep_sampler


class SweepSamplerTest(unittest.TestCase):
    def test_grid_cells_are_shift_guidance_pairs(self):
        self.assertEqual(sweep_sampler.parse_grid("3:5, 5:12.5"), [(3.0, 5.0), (5.0, 12.5)])

    def test_malformed_cell_is_named(self):
        for bad in ("3", "3:x", "3:5:7"):
            with self.assertRaises(ValueError) as ex:
                sweep_sampler.parse_grid(f"3:5,{bad}")
            self.assertIn(f"'{bad}'", str(ex.exception))
        with self.assertRaises(ValueError):
            sweep_sampler.parse_grid("0:5")

    def test_bad_grid_exits_with_usage_error(self):
        with contextlib.redirect_stderr(io.StringIO()) as err, self.assertRaises(SystemExit) as ex:
            sweep_sampler.main(["--checkpoint", "x.pt", "--json", "y.json", "--grid", "3-5"])
        self.assertEqual(ex.exception.code, 2)
        self.assertIn("shift:guidance", err.getvalue())

    def test_summary_counts_wrong_directions_by_detected_value(self):
        def r(ok_c, ok_d, got):
            return {"adheres": ok_c and ok_d, "color_ok": ok_c, "direction_ok": ok_d, "shape_ok": False,
                    "detected": {"direction": got}}
        s = sweep_sampler.summarize([r(True, True, "left"), r(True, False, "none"), r(False, False, None),
                                     r(True, False, "none")])
        self.assertEqual(s["adheres"], 0.25)
        self.assertEqual(s["color_ok"], 0.75)
        self.assertEqual(s["wrong_directions"], {"none": 2, "None": 1})


if __name__ == "__main__":
    unittest.main()
