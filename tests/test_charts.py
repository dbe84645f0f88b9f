"""The hand-written SVG charts: well-formed, text kept as text, axes that cover the figures."""

from __future__ import annotations

import datetime as dt
import math
import re
from xml.dom import minidom

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pipeline.render.html import charts
from pipeline.words.i18n import words

EN = words("en")
MONTHS = [dt.date(2025, m, 1) for m in range(1, 13)]


def every_chart(w=EN, name="Acme <b>&</b>"):
    return [
        charts.pareto(["A", "B", "C"], [0.5, 0.3, 0.2], w),
        charts.revenue_by_tier(
            {"anchor": 900.0, "lapsed": -50.0}, {"anchor": 1, "lapsed": 2}, "EUR", w
        ),
        charts.monthly_by_tier(
            MONTHS, {"anchor": [100.0] * 12, "new": [-20.0] + [5.0] * 11}, None, w
        ),
        charts.trend(MONTHS, [0.4, None, *[0.3] * 10], [0.9] * 12, 12, w),
        charts.portfolio_top1([name, "B" * 40], [0.45, 0.05], ["very high", "low"], w),
    ]


def numbers(svg: str, attribute: str) -> list[float]:
    return [float(v) for v in re.findall(rf'\s{attribute}="(-?[0-9.]+)"', svg)]


def test_every_chart_is_well_formed_svg_with_its_title_and_description():
    for chart in every_chart():
        root = minidom.parseString(chart.svg).documentElement
        assert root.tagName == "svg" and root.getAttribute("role") == "img"
        assert root.getAttribute("xmlns") == "http://www.w3.org/2000/svg"
        titles = root.getElementsByTagName("title")
        assert titles[0].firstChild.data == chart.title
        assert root.getElementsByTagName("desc")[0].firstChild.data == chart.description
        ids = re.findall(r'\sid="([^"]+)"', chart.svg)
        assert all(i.startswith(f"chart-{chart.key}") for i in ids) and len(ids) == len(set(ids))


def test_user_text_stays_text_in_a_chart():
    chart = every_chart(name='<script>alert("x")</script>')[-1]
    assert "<script>" not in chart.svg
    texts = [
        t.firstChild.data
        for t in minidom.parseString(chart.svg).getElementsByTagName("text")
        if t.firstChild
    ]
    # A name is drawn isolated (first-strong isolate ... pop), so its direction stays its own.
    assert '\u2068<script>alert("x")</script>\u2069' in texts
    assert "\u2068" + "B" * 31 + "…\u2069" in texts  # long names cut to what the axis has room for


def test_everything_drawn_lies_inside_the_view_box():
    for chart in every_chart():
        width, height = (
            float(v) for v in re.search(r'viewBox="0 0 ([0-9.]+) ([0-9.]+)"', chart.svg).groups()
        )
        xs = numbers(chart.svg, "x") + numbers(chart.svg, "cx")
        ys = numbers(chart.svg, "y") + numbers(chart.svg, "cy")
        assert all(0 <= x <= width for x in xs), chart.key
        assert all(0 <= y <= height for y in ys), chart.key


def test_bars_are_as_long_as_their_figures():
    chart = charts.revenue_by_tier(
        {"anchor": 1000.0, "recurring": 500.0}, {"anchor": 1, "recurring": 3}, None, EN
    )
    widths = [
        float(w) for w in re.findall(r'<rect x="[^"]+" y="[^"]+" width="([0-9.]+)"', chart.svg)
    ]
    assert len(widths) == 2 and math.isclose(widths[0] / widths[1], 2.0, rel_tol=0.01)


def test_right_to_left_labels_are_isolates_and_wide_characters_get_room():
    fa = charts.revenue_by_tier({"anchor": 10.0}, {"anchor": 1}, None, words("fa"))
    assert all(
        t.startswith("\u2067") and t.endswith("\u2069")
        for t in re.findall(r"<text[^>]*>([^<]*)</text>", fa.svg)
    )
    assert charts.text_width("客户", 10) == 20 and charts.text_width("ab", 10) < 12


def test_the_same_figures_give_the_same_bytes():
    assert [c.svg for c in every_chart()] == [c.svg for c in every_chart()]


@settings(max_examples=200, deadline=None)
@given(
    st.floats(min_value=-1e9, max_value=1e9, allow_nan=False),
    st.floats(min_value=1e-3, max_value=1e9, allow_nan=False),
    st.integers(min_value=2, max_value=12),
)
def test_ticks_cover_the_range_in_even_round_steps(low, span, count):
    assume(span >= abs(low) * 1e-6)  # an axis spans a fair part of its figures, not 1e-9 of them
    high = low + span
    ticks = charts.nice_ticks(low, high, count)
    assert ticks[0] <= low + 1e-9 * span and ticks[-1] >= high - 1e-9 * span
    steps = {round(b - a, 9) for a, b in zip(ticks, ticks[1:], strict=False)}
    step = ticks[1] - ticks[0]
    assert all(math.isclose(s, step, rel_tol=1e-6, abs_tol=1e-9 * span) for s in steps)
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert any(math.isclose(mantissa, m, rel_tol=1e-6) for m in (1, 2, 2.5, 3, 4, 5, 6, 8, 10))
    assert len(ticks) - 1 <= count + 2  # about count steps: at most one more at each end
    inside = charts.ticks_within(low, high, count)
    assert inside and all(low - 1e-9 * span <= t <= high + 1e-9 * span for t in inside)


ONE_MONTH = [dt.date(2025, 1, 1)]
DEGENERATE = {
    "one client": lambda: charts.pareto(["Only Ltd"], [1.0], EN),
    "no tier": lambda: charts.revenue_by_tier({}, {}, None, EN),
    "only credits": lambda: charts.revenue_by_tier({"anchor": -500.0}, {"anchor": 1}, None, EN),
    "an empty month": lambda: charts.monthly_by_tier(ONE_MONTH, {}, None, EN),
    "a negative month": lambda: charts.monthly_by_tier(ONE_MONTH, {"new": [-100.0]}, None, EN),
    "a gap first": lambda: charts.trend(MONTHS[:2], [None, 0.5], [None, None], 12, EN),
    "no business": lambda: charts.portfolio_top1([], [], [], EN),
    "all of it": lambda: charts.portfolio_top1(["x"], [1.0], ["very high"], EN),
}


@pytest.mark.parametrize("case", DEGENERATE)
def test_degenerate_figures_still_draw_a_valid_chart(case):
    svg = DEGENERATE[case]().svg
    minidom.parseString(svg)
    width, height = (
        float(v) for v in re.search(r'viewBox="0 0 ([0-9.]+) ([0-9.]+)"', svg).groups()
    )
    assert all(0 <= x <= width for x in numbers(svg, "x") + numbers(svg, "cx"))
    assert all(0 <= y <= height for y in numbers(svg, "y") + numbers(svg, "cy"))
    assert "NaN" not in svg and "inf" not in svg
