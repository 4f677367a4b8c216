"""train.py rejects arguments that would crash or silently misbehave hours into a run, before any work starts."""
from helpers import EXPORTERS  # noqa: F401  (first: sys.path and BLAS thread settings before numpy/torch load)
import contextlib
import io
import tempfile
import unittest

import train


class TrainArgsTest(unittest.TestCase):
    def rejected(self, *argv):
        """Runs train.main with argv into an empty output dir; returns argparse's error text (exit code 2)."""
        with tempfile.TemporaryDirectory() as out, contextlib.redirect_stderr(io.StringIO()) as err:
            with self.assertRaises(SystemExit) as ex:
                train.main(["--out", out, *argv])
            self.assertEqual(ex.exception.code, 2)
            return err.getvalue()

    def test_save_every_zero_is_rejected(self):
        self.assertIn("--save-every must be at least 1", self.rejected("--save-every", "0"))

    def test_probabilities_outside_unit_interval_are_rejected(self):
        self.assertIn("--drop-attribute is a probability", self.rejected("--drop-attribute", "30"))
        self.assertIn("--cond-dropout is a probability", self.rejected("--cond-dropout", "-0.1"))

    def test_keep_every_must_be_a_multiple_of_save_every(self):
        self.assertIn("multiple of --save-every (200)", self.rejected("--keep-every", "500"))

    def test_heads_must_divide_dim_into_even_head_sizes(self):
        self.assertIn("--heads 3", self.rejected("--dim", "64", "--heads", "3"))
        self.assertIn("--heads 64", self.rejected("--dim", "64", "--heads", "64"))  # head size 1

    def test_shipped_and_screened_shapes_pass_the_checks(self):
        for argv in ([], ["--dim", "64", "--ffn-dim", "256", "--heads", "2", "--keep-every", "1000"]):
            args = train.build_parser().parse_args(argv)
            train.check_args(train.build_parser(), args)  # raises SystemExit on rejection


if __name__ == "__main__":
    unittest.main()
