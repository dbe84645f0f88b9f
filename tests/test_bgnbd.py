"""BG/NBD checked against the published fit on the CDNOW sample (Fader, Hardie & Lee 2005).

tests/data/cdnow_sample_summary.csv is derived by scripts/derive_cdnow.py from
lifetimes/datasets/CDNOW_sample.txt in the lifetimes wheel on PyPI: 2,357 customers, 39-week
calibration ending 1997-09-30, time in weeks, frequency = distinct purchase days - 1.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from pipeline.model.bgnbd import BGNBD, fit, log_likelihood

DATA = Path(__file__).parent / "data" / "cdnow_sample_summary.csv"


@pytest.fixture(scope="module")
def cdnow():
    frame = pl.read_csv(DATA)
    return frame["frequency"].to_numpy(), frame["t_x"].to_numpy(), frame["T"].to_numpy()


@pytest.fixture(scope="module")
def fitted(cdnow):
    return fit(*cdnow)


def test_the_sample_is_the_papers(cdnow):
    x, t_x, T = cdnow
    assert x.size == 2357
    assert T.max() == pytest.approx(
        272 / 7
    )  # first purchases from 1997-01-01, calibration to 09-30
    assert (x == 0).sum() == 1411  # customers with no repeat purchase in the calibration period


def test_fit_matches_the_published_parameters(fitted):
    # The paper prints three decimals: r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, LL = -9582.4
    assert abs(fitted.r - 0.243) <= 0.0005
    assert abs(fitted.alpha - 4.414) <= 0.0005
    assert abs(fitted.a - 0.793) <= 0.0005
    assert abs(fitted.b - 2.426) <= 0.0005
    assert abs(fitted.log_likelihood - -9582.4) <= 0.05


def test_fit_matches_the_unrounded_reference_fit(fitted):
    # The lifetimes documentation's fit on the same data: r 0.242593, alpha 4.413532,
    # a 0.792886, b 2.425752; log-likelihood -9582.43.
    for value, reference in (
        (fitted.r, 0.242593),
        (fitted.alpha, 4.413532),
        (fitted.a, 0.792886),
        (fitted.b, 2.425752),
    ):
        assert value == pytest.approx(reference, rel=1e-3)
    assert fitted.log_likelihood == pytest.approx(-9582.43, abs=0.01)


def test_the_fit_is_a_maximum(fitted, cdnow):
    best = np.array([fitted.r, fitted.alpha, fitted.a, fitted.b])
    for i in range(4):
        for step in (0.99, 1.01):
            nudged = best.copy()
            nudged[i] *= step
            assert log_likelihood(nudged, *cdnow) < fitted.log_likelihood


PAPER = BGNBD(
    r=0.242593, alpha=4.413532, a=0.792886, b=2.425752, log_likelihood=-9582.43, clients=2357
)


# P(alive) and expected purchases in the next 39 and 52 weeks for the parameters above, as the
# reference implementation (lifetimes 0.11.3, BetaGeoFitter) computes them. The first row is the
# paper's worked example: a customer with x = 2, t_x = 30.43, T = 38.86 is expected to make
# 1.226 purchases in the next 39 weeks.
REFERENCE = [
    # x, t_x, T, p_alive, expected 39 weeks, expected 52 weeks
    (2, 30.43, 38.86, 0.7266091024562508, 1.2259103856938898, 1.558583704825485),
    (1, 1.71, 38.86, 0.21222732345209525, 0.2032505706629428, 0.25990700945680173),
    (0, 0.0, 38.86, 1.0, 0.19478091229356276, 0.2516657942288744),
    (10, 5.0, 38.86, 2.3619194896839644e-06, 1.7188993786348798e-05, 2.1582192458705705e-05),
    (5, 37.0, 38.86, 0.8655373522742935, 3.2953299298087755, 4.156449707440082),
]


@pytest.mark.parametrize(("x", "t_x", "T", "alive", "e39", "e52"), REFERENCE)
def test_p_alive_and_expected_purchases_match_the_reference_implementation(
    x, t_x, T, alive, e39, e52
):
    assert PAPER.p_alive(x, t_x, T) == pytest.approx(alive, rel=1e-9)
    assert PAPER.expected(39, x, t_x, T) == pytest.approx(e39, rel=1e-9)
    assert PAPER.expected(52, x, t_x, T) == pytest.approx(e52, rel=1e-9)


@pytest.mark.parametrize(
    "status, gradient",
    [(1, 0.0), (2, 50.0)],  # its evaluations spent; "precision loss" far from the maximum
    ids=["spent", "stalled"],
)
def test_a_quasi_newton_run_that_ends_short_falls_back_to_the_simplex(
    cdnow, monkeypatch, status, gradient
):
    import scipy.optimize
    from scipy.optimize import OptimizeResult

    real = scipy.optimize.minimize
    calls = []

    def short_first(fun, x0, method=None, **kwargs):
        calls.append(method)
        if len(calls) == 1:  # the first quasi-Newton run stops where it started
            return OptimizeResult(
                x=x0, fun=fun(x0), status=status, jac=np.full(4, gradient), success=False
            )
        return real(fun, x0, method=method, **kwargs)

    monkeypatch.setattr(scipy.optimize, "minimize", short_first)
    fitted = fit(*cdnow)
    assert calls == ["BFGS", "Nelder-Mead", "BFGS"]
    assert fitted.log_likelihood == pytest.approx(-9582.43, abs=0.01)
    assert fitted.r == pytest.approx(0.242593, rel=1e-3)


def test_a_quasi_newton_run_that_converges_is_taken_as_it_is(cdnow, monkeypatch):
    import scipy.optimize

    real = scipy.optimize.minimize
    methods = []

    def record(fun, x0, method=None, **kwargs):
        methods.append(method)
        return real(fun, x0, method=method, **kwargs)

    monkeypatch.setattr(scipy.optimize, "minimize", record)
    fit(*cdnow)
    assert methods == ["BFGS"]


def _elementwise(params, x, t_x, T) -> float:
    """Equation (6) computed element by element, as written in the paper."""
    from scipy.special import gammaln

    r, alpha, a, b = params
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    a3 = -(r + x) * np.log(alpha + T)
    with np.errstate(divide="ignore", invalid="ignore"):
        a4 = np.where(
            x > 0,
            np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) - (r + x) * np.log(alpha + t_x),
            -np.inf,
        )
    return float(np.sum(a1 + a2 + np.logaddexp(a3, a4)))


def test_likelihood_over_distinct_values_is_the_elementwise_sum_to_the_last_bit(cdnow) -> None:
    """The fit computes each term once per distinct purchase count and age; the sum must be
    the very float the element-by-element formula gives, or fitted figures would drift."""
    rng = np.random.default_rng(5)
    x = rng.integers(0, 12, 5_000).astype(float)
    T = rng.integers(7, 1_100, 5_000) / 7.0  # ages in weeks, from days
    t_x = np.where(x > 0, np.floor(rng.random(5_000) * T * 7) / 7.0, 0.0)
    # the last: a client's alpha + T is exactly 1, so its a3 is a negative zero
    x[0], T[0], t_x[0] = 0.0, 1 / 7, 0.0
    edge = [0.5, 1.0 - 1 / 7, 1.3, 0.9]
    assert edge[1] + T[0] == 1.0
    fixed = [[0.24, 4.4, 0.79, 2.4], [1.0, 30.0, 1.0, 1.0], [3.1, 0.5, 7.0, 0.2], edge]
    drawn = np.exp(rng.normal(0.0, 2.0, (40, 4))).tolist()  # as far out as a fit may wander
    for params in fixed + drawn:
        assert log_likelihood(params, x, t_x, T) == _elementwise(params, x, t_x, T)
        assert log_likelihood(params, *cdnow) == _elementwise(params, *cdnow)
