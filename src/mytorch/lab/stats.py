"""Statistics across seeds: mean with a 95% confidence interval, Welch's t-test, Holm's correction.

- CI: mean ± t_{0.975, n-1} · s / √n (Student's t; none for n = 1).
- Welch: t = (m_a - m_b) / √(s_a²/n_a + s_b²/n_b) with the Welch-Satterthwaite degrees of freedom
  (``scipy.stats.ttest_ind(equal_var=False)``); two samples without spread compare exactly.
- Holm (step-down): sort the m p-values, p_(i) is significant while p_(i) ≤ α / (m - i + 1).
- "best": the candidate with the best mean beats every other one significantly after Holm;
  otherwise the best group is reported as tied (with everything it cannot be told apart from).
SciPy is the ``lab`` extra, imported when a statistic is computed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

ALPHA = 0.05


@dataclass(frozen=True)
class Summary:
    n: int
    mean: float
    ci: float  # half-width of the 95% interval (nan when n < 2)

    def text(self, fmt: str = ".4f") -> str:
        if self.n == 0:
            return "-"
        if self.n < 2 or not math.isfinite(self.ci):
            return f"{self.mean:{fmt}}"
        return f"{self.mean:{fmt}} ± {self.ci:{fmt}}"


def summarize(values: Sequence[float]) -> Summary:
    vals = [float(v) for v in values]
    n = len(vals)
    if n == 0:
        return Summary(0, math.nan, math.nan)
    mean = sum(vals) / n
    if n < 2:
        return Summary(n, mean, math.nan)
    from scipy import stats

    sd = math.sqrt(sum((v - mean) ** 2 for v in vals) / (n - 1))
    return Summary(n, mean, float(stats.t.ppf(0.975, n - 1)) * sd / math.sqrt(n))


def welch_p(a: Sequence[float], b: Sequence[float]) -> float:
    """Two-sided p-value of Welch's t-test; nan when either side has fewer than 2 values."""
    if len(a) < 2 or len(b) < 2:
        return math.nan
    if not all(math.isfinite(v) for v in (*a, *b)):
        return math.nan
    from scipy import stats

    if max(a) == min(a) and max(b) == min(b):  # no spread: the t statistic is 0/0 or ±inf
        return 1.0 if a[0] == b[0] else 0.0
    return float(stats.ttest_ind(a, b, equal_var=False).pvalue)


def holm(pvalues: Sequence[float], alpha: float = ALPHA) -> list[bool]:
    """Holm-Bonferroni step-down: which hypotheses are rejected (nan is never rejected)."""
    order = sorted(range(len(pvalues)), key=lambda i: (math.isnan(pvalues[i]), pvalues[i]))
    m = len(pvalues)
    rejected = [False] * m
    for rank, i in enumerate(order):
        p = pvalues[i]
        if math.isnan(p) or p > alpha / (m - rank):
            break
        rejected[i] = True
    return rejected


@dataclass(frozen=True)
class Verdict:
    best: str | None          # the significant winner, or None when tied
    leader: str               # the best mean
    tied: list[str]           # candidates not significantly worse than the leader (leader first)
    pvalues: dict[str, float]  # leader vs each other candidate (raw Welch p)
    reason: str               # why tied, when it is

    def text(self) -> str:
        if self.best is not None:
            return f"**{self.best}** (significant against every other, Welch + Holm, α = {ALPHA})"
        return f"tied: {', '.join(self.tied)} ({self.reason})"


def pick_best(samples: dict[str, Sequence[float]], lower_is_better: bool) -> Verdict:
    """The best candidate by mean if it beats every other significantly (Welch, Holm-corrected)."""
    finite = {k: [float(v) for v in vs] for k, vs in samples.items() if vs and all(math.isfinite(v) for v in vs)}
    if not finite:
        return Verdict(None, "-", [], {}, "no finite results")
    sign = 1.0 if lower_is_better else -1.0
    ranked = sorted(finite, key=lambda k: sign * sum(finite[k]) / len(finite[k]))
    leader, others = ranked[0], ranked[1:]
    if not others:
        return Verdict(leader, leader, [leader], {}, "")
    p = {k: welch_p(finite[leader], finite[k]) for k in others}
    rejected = dict(zip(others, holm([p[k] for k in others])))
    if all(rejected.values()):
        return Verdict(leader, leader, [leader], p, "")
    if any(len(v) < 2 for v in finite.values()):
        reason = "one seed: no test across seeds is possible"
    else:
        reason = f"not significant at α = {ALPHA} after Holm's correction"
    return Verdict(None, leader, [leader] + [k for k in others if not rejected[k]], p, reason)
