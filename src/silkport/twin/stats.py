"""Output analysis: Student-t intervals over independent replications, MSER-5 warm-up, paired CRN comparisons."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def normal_quantile(p: float) -> float:
    """The standard normal quantile (Acklam's rational approximation, refined by one Halley step)."""
    if not 0.0 < p < 1.0:
        raise ValueError("p must be in (0, 1)")
    a = (-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.3577518672690, -30.66479806614716,
         2.506628277459239)  # fmt: skip
    b = (-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572)
    c = (-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
         2.938163982698783)  # fmt: skip
    d = (0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416)
    lo = 0.02425
    if p < lo:
        q = math.sqrt(-2 * math.log(p))
        x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / (
            (((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1
        )
    elif p > 1 - lo:
        q = math.sqrt(-2 * math.log(1 - p))
        x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / (
            (((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1
        )
    else:
        q = p - 0.5
        r = q * q
        x = (
            (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5])
            * q
            / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        )
    e = 0.5 * math.erfc(-x / math.sqrt(2)) - p
    u = e * math.sqrt(2 * math.pi) * math.exp(x * x / 2)
    return x - u / (1 + x * u / 2)


def t_quantile(p: float, df: int) -> float:
    """Student's t quantile: exact for 1 and 2 degrees of freedom, else the Cornish-Fisher expansion (4 terms),
    refined by Newton steps on the exact CDF (regularised incomplete beta by continued fraction)."""
    if df < 1:
        raise ValueError("df must be at least 1")
    if df == 1:
        return math.tan(math.pi * (p - 0.5))
    if df == 2:
        return (2 * p - 1) / math.sqrt(2 * p * (1 - p))
    z = normal_quantile(p)
    v = float(df)
    x = (
        z
        + (z**3 + z) / (4 * v)
        + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * v**2)
        + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * v**3)
        + (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / (92160 * v**4)
    )
    for _ in range(3):
        x -= (t_cdf(x, df) - p) / t_pdf(x, df)
    return x


def t_pdf(x: float, df: int) -> float:
    v = float(df)
    log_c = math.lgamma((v + 1) / 2) - math.lgamma(v / 2) - 0.5 * math.log(v * math.pi)
    return math.exp(log_c - (v + 1) / 2 * math.log1p(x * x / v))


def t_cdf(x: float, df: int) -> float:
    v = float(df)
    ib = _betai(v / 2, 0.5, v / (v + x * x))
    return 1 - 0.5 * ib if x >= 0 else 0.5 * ib


def _betai(a: float, b: float, x: float) -> float:
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1) / (a + b + 2):
        return front * _betacf(a, b, x) / a
    return 1 - front * _betacf(b, a, 1 - x) / b


def _betacf(a: float, b: float, x: float) -> float:
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1, a - 1
    c, d = 1.0, 1 - qab * x / qap
    d = 1 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 300):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1 + aa * d
        d = 1 / (d if abs(d) > tiny else tiny)
        c = 1 + aa / c if abs(1 + aa / c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1 + aa * d
        d = 1 / (d if abs(d) > tiny else tiny)
        c = 1 + aa / c if abs(1 + aa / c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1) < 1e-15:
            break
    return h


@dataclass(frozen=True, slots=True)
class Interval:
    mean: float
    low: float
    high: float
    half_width: float
    n: int

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high

    def as_dict(self) -> dict[str, float | int]:
        return {"mean": self.mean, "ci_low": self.low, "ci_high": self.high, "half_width": self.half_width,
                "replications": self.n}  # fmt: skip


def confidence_interval(values: Sequence[float] | FloatArray, level: float = 0.95) -> Interval:
    """The Student-t interval of the mean of independent replications' values."""
    x = np.asarray(values, dtype=np.float64)
    n = int(x.size)
    if n == 0:
        raise ValueError("no values")
    mean = float(x.mean())
    if n == 1:
        return Interval(mean, math.nan, math.nan, math.nan, 1)
    half = t_quantile(0.5 + level / 2, n - 1) * float(x.std(ddof=1)) / math.sqrt(n)
    return Interval(mean, mean - half, mean + half, half, n)


def paired_interval(a: Sequence[float] | FloatArray, b: Sequence[float] | FloatArray, level: float = 0.95) -> Interval:
    """The interval of mean(b - a) over replications paired by their seeds (common random numbers)."""
    xa, xb = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if xa.shape != xb.shape:
        raise ValueError("paired samples must have the same length")
    return confidence_interval(xb - xa, level)


def mser_truncation(series: Sequence[float] | FloatArray, batch: int = 5) -> int:
    """MSER-5 (White 1997): the warm-up to delete, as a number of observations.

    The series is averaged in batches of ``batch``; the truncation d (in batches) minimises the marginal standard
    error  sum_{j>d} (Z_j - mean_d)^2 / (k - d)^2  over d <= k/2. Returns d * batch."""
    x = np.asarray(series, dtype=np.float64)
    k = x.size // batch
    if k < 4:
        return 0
    z = x[: k * batch].reshape(k, batch).mean(axis=1)
    rev = z[::-1]
    csum = np.cumsum(rev)[::-1]  # sum of z[d:]
    csq = np.cumsum(rev * rev)[::-1]
    m = k - np.arange(k)  # k - d
    sse = csq - csum * csum / m
    stat = sse / (m * m)
    half = k // 2
    d = int(np.argmin(stat[: half + 1]))
    return d * batch


def mser_truncation_replications(series: Sequence[Sequence[float] | FloatArray], batch: int = 5) -> int:
    """MSER-5 on the average of the replications' series (cut to the shortest): one warm-up for all of them.

    Truncating each replication on its own lets MSER cut a congested start that is really part of the steady
    state, which biases the mean down; the cross-replication average shows the initial transient alone."""
    arrays = [np.asarray(s, dtype=np.float64) for s in series]
    if not arrays:
        return 0
    n = min(a.size for a in arrays)
    mean = np.mean([a[:n] for a in arrays], axis=0)
    return mser_truncation(mean, batch)
