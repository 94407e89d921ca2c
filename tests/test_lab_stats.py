"""Statistics across seeds: CI, Welch, Holm, and the best-or-tied verdict on synthetic data."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from mytorch.lab.stats import holm, pick_best, summarize, welch_p


def test_summary_is_mean_and_student_t_half_width():
    vals = [1.0, 2.0, 4.0]
    s = summarize(vals)
    sd = np.std(vals, ddof=1)
    assert s.n == 3 and s.mean == pytest.approx(7 / 3)
    assert s.ci == pytest.approx(stats.t.ppf(0.975, 2) * sd / math.sqrt(3))
    assert summarize([5.0]).text() == "5.0000" and math.isnan(summarize([5.0]).ci)
    assert summarize([]).text() == "-"
    assert "±" in s.text()


def test_welch_matches_scipy_and_handles_no_spread():
    a, b = [1.0, 1.2, 0.9, 1.1], [1.5, 1.7, 1.4]
    assert welch_p(a, b) == pytest.approx(stats.ttest_ind(a, b, equal_var=False).pvalue)
    assert welch_p([1.0, 1.0], [1.0, 1.0]) == 1.0
    assert welch_p([1.0, 1.0], [2.0, 2.0]) == 0.0
    assert math.isnan(welch_p([1.0], [2.0, 3.0]))
    assert math.isnan(welch_p([1.0, math.inf], [2.0, 3.0]))


def test_holm_step_down():
    # m = 3: thresholds 0.05/3, 0.05/2, 0.05/1 on the sorted p-values
    assert holm([0.01, 0.04, 0.03]) == [True, False, False]  # 0.03 > 0.025 stops the procedure
    assert holm([0.01, 0.02, 0.04]) == [True, True, True]
    assert holm([0.2, 0.001]) == [False, True]
    assert holm([math.nan, 0.001]) == [False, True]
    assert holm([]) == []


def test_significant_winner_and_ties_on_synthetic_seeds():
    rng = np.random.default_rng(0)
    clear = {"adam": list(0.20 + 0.01 * rng.standard_normal(5)),
             "sgd": list(0.50 + 0.01 * rng.standard_normal(5)),
             "adagrad": list(0.45 + 0.01 * rng.standard_normal(5))}
    v = pick_best(clear, lower_is_better=True)
    assert v.best == "adam" and v.tied == ["adam"] and "significant" in v.text()
    close = {"adam": list(0.30 + 0.05 * rng.standard_normal(3)), "sgd": list(0.31 + 0.05 * rng.standard_normal(3)),
             "adagrad": list(0.90 + 0.01 * rng.standard_normal(3))}
    v = pick_best(close, lower_is_better=True)
    assert v.best is None and set(v.tied) == {"adam", "sgd"} and v.text().startswith("tied: ")
    v = pick_best({"a": [0.9, 0.91, 0.92], "b": [0.5, 0.51, 0.52]}, lower_is_better=False)
    assert v.best == "a"


def test_one_seed_is_always_tied_and_diverged_runs_never_win():
    v = pick_best({"adam": [0.1], "sgd": [0.5]}, lower_is_better=True)
    assert v.best is None and v.leader == "adam" and "one seed" in v.reason
    v = pick_best({"adam": [0.2, 0.21, 0.19], "sgd": [math.inf, math.inf, math.inf]}, lower_is_better=True)
    assert v.best == "adam"
