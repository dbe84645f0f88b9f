"""The Summary sheet: the headline figures (live over the other sheets), revenue by tier, the
verdict, warnings, stress test and advice in words, and three native charts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pipeline.model.analysis import Analysis
from pipeline.model.tiers import TIERS
from pipeline.ooxml.bulkrows import Formula
from pipeline.render.provenance import Provenance
from pipeline.render.xlsx.book import (
    DECIMAL,
    INTEGER,
    MONEY,
    MONTH,
    PERCENT,
    Book,
    cell_text,
    quoted,
)
from pipeline.render.xlsx.history import overdue_total_cell
from pipeline.words.actions import action_entries, moved_sentence
from pipeline.words.i18n import Words
from pipeline.words.labels import tier_label, verdict_label
from pipeline.words.sentences import (
    balance_advice,
    hhi_sentence,
    stress_sentence,
    verdict_sentence,
    warning_text,
)


def summary_sheet(
    book: Book,
    names: Mapping[str, str],
    analysis: Analysis,
    provenance: Provenance,
    conc_cells: Mapping[str, str],
    clients_range: Mapping[str, str],
    monthly_rows: int,
    pareto_rows: int,
    words: Words,
) -> None:
    ws = book.wb.add_worksheet(names["Summary"])
    conc, totals, w = analysis.concentration, analysis.totals, analysis.windows
    cur = analysis.currency
    ws.write_string(0, 0, cell_text(f"tierbook summary: {provenance.title}"), book.title)
    ws.write_string(
        1, 0, f"Window {w.start.isoformat()} to {w.end.isoformat()} ({analysis.basis} basis)"
    )
    concentration = quoted(names["Concentration"])
    revenue_label = f"Revenue, net ({cur})" if cur else "Revenue, net"
    kpis: list[tuple[str, Any, str | None]] = [
        (revenue_label, Formula(f"SUM({clients_range['revenue']})", totals.revenue), MONEY),
        ("Gross billing", totals.gross, MONEY),
        ("Credit notes", totals.credits, MONEY),
        ("Invoices in the window", totals.invoices, INTEGER),
        ("Clients billed in the window", totals.clients, INTEGER),
        ("Clients with positive revenue", conc.clients_with_revenue, INTEGER),
        (
            "Effective number of clients",
            Formula(f"{concentration}!{conc_cells['effective']}", conc.effective_clients),
            DECIMAL,
        ),
        ("Top-1 share", Formula(f"{concentration}!{conc_cells['top1']}", conc.top1_share), PERCENT),
        ("Top-3 share", Formula(f"{concentration}!{conc_cells['top3']}", conc.top3_share), PERCENT),
        ("Top-5 share", Formula(f"{concentration}!{conc_cells['top5']}", conc.top5_share), PERCENT),
        ("HHI (0-10,000)", Formula(f"{concentration}!{conc_cells['hhi']}", conc.hhi), "#,##0"),
        ("HHI band", conc.hhi_band, None),
        ("Gini", conc.gini, "0.000"),
        ("Verdict", verdict_label(conc.verdict, words), None),
    ]
    owed = analysis.receivables
    if owed is not None and totals.overdue_amount is not None:
        # live over the Receivables sheet's total row (its header on row 1, then each client)
        cell = overdue_total_cell(names["Receivables"], owed)
        kpis.append(("Overdue at as-of", Formula(cell, totals.overdue_amount), MONEY))
    moved = analysis.moves
    if moved is not None and moved.prior_revenue > 0:
        kpis += [
            ("Revenue, prior 12 months", moved.prior_revenue, MONEY),
            ("Change on the prior 12 months", moved.change_pct, PERCENT),
        ]
    top = 3
    last = book.figures(ws, top, 0, "tb_summary", kpis)
    ws.set_column(0, 0, 34)
    ws.set_column(1, 1, 22)
    ws.set_column(2, 2, 4)
    ws.set_column(3, 3, 14)
    ws.set_column(4, 5, 14)
    ws.freeze_panes(top + 1, 0)

    # Revenue by tier: live over the Client analysis sheet.
    tier_top = top
    tier_rows = []
    for tier, (revenue, count) in analysis.by_tier().items():
        label = tier_label(tier, words)
        tier_rows.append(
            [
                label,
                Formula(
                    f'SUMIFS({clients_range["revenue"]},{clients_range["tier"]},"{label}")', revenue
                ),
                Formula(f'COUNTIFS({clients_range["tier"]},"{label}")', count),
            ]
        )
    book.table(
        ws,
        tier_top,
        3,
        "tb_tiers",
        [("Tier", None), ("Revenue", MONEY), ("Clients", INTEGER)],
        tier_rows,
    )

    row = last + 2
    todo = [
        f"{n}. {a['title']}: {a['client']} ({words.money(a['amount'], cur)}). {a['reason']}"
        for n, a in enumerate(action_entries(analysis, words), start=1)
    ]
    said = moved_sentence(analysis, words)
    sections = [
        ("What to do first", todo or ["Nothing the figures call for."]),
        *([("What moved", [said])] if said else []),
        (
            "Verdict",
            [
                f"{verdict_label(conc.verdict, words)}. {verdict_sentence(analysis, words)}",
                hhi_sentence(analysis, words),
            ],
        ),
        ("Warnings", [warning_text(x, cur, words) for x in analysis.warnings] or ["None."]),
        ("Stress test", [stress_sentence(case, cur, words) for case in analysis.stress]),
        ("What to do", balance_advice(analysis, words)),
    ]
    for title, lines in sections:
        ws.write_string(row, 0, title, book.bold)
        for offset, line in enumerate(lines, start=1):
            ws.merge_range(row + offset, 0, row + offset, 5, "", book.wrap)
            ws.write_string(row + offset, 0, cell_text(line), book.wrap)
            ws.set_row(row + offset, 15 * max(1, -(-len(line) // 110)))
        row += len(lines) + 2

    # Charts: native, over the Concentration, tier and Monthly tables.
    pareto = book.wb.add_chart({"type": "column"})
    shown = min(pareto_rows, 25)
    pareto.add_series(
        {
            "name": "Revenue",
            "categories": [names["Concentration"], 1, 1, shown, 1],
            "values": [names["Concentration"], 1, 2, shown, 2],
            "fill": {"color": "#1F4E79"},
        }
    )
    line = book.wb.add_chart({"type": "line"})
    line.add_series(
        {
            "name": "Cumulative share",
            "categories": [names["Concentration"], 1, 1, shown, 1],
            "values": [names["Concentration"], 1, 4, shown, 4],
            "y2_axis": True,
            "line": {"color": "#C0504D", "width": 2.25},
            "marker": {"type": "circle", "size": 4},
        }
    )
    pareto.combine(line)
    pareto.set_title(
        {"name": f"Pareto: revenue by client{f' (top {shown})' if pareto_rows > shown else ''}"}
    )
    pareto.set_y_axis({"name": f"Revenue{f' ({cur})' if cur else ''}", "num_format": "#,##0"})
    line.set_y2_axis({"name": "Cumulative share", "num_format": "0%", "min": 0, "max": 1})
    pareto.set_legend({"position": "bottom"})
    ws.insert_chart(row, 0, pareto, {"x_scale": 1.6, "y_scale": 1.2})

    by_tier = book.wb.add_chart({"type": "bar"})
    by_tier.add_series(
        {
            "name": "Revenue by tier",
            "categories": [names["Summary"], tier_top + 1, 3, tier_top + len(TIERS), 3],
            "values": [names["Summary"], tier_top + 1, 4, tier_top + len(TIERS), 4],
            "fill": {"color": "#1F4E79"},
        }
    )
    by_tier.set_title({"name": "Revenue by tier"})
    by_tier.set_legend({"none": True})
    by_tier.set_x_axis({"num_format": "#,##0"})
    ws.insert_chart(tier_top, 7, by_tier, {"x_scale": 1.0, "y_scale": 0.9})

    monthly = book.wb.add_chart({"type": "column", "subtype": "stacked"})
    colours = ["#1F4E79", "#4F81BD", "#9BBB59", "#F79646", "#A6A6A6"]
    for i in range(len(TIERS)):
        monthly.add_series(
            {
                "name": [names["Monthly"], 0, 1 + i],
                "categories": [names["Monthly"], 1, 0, monthly_rows, 0],
                "values": [names["Monthly"], 1, 1 + i, monthly_rows, 1 + i],
                "fill": {"color": colours[i]},
            }
        )
    monthly.set_title({"name": "Monthly revenue by tier"})
    monthly.set_y_axis({"num_format": "#,##0"})
    monthly.set_x_axis({"num_format": MONTH})
    monthly.set_legend({"position": "bottom"})
    # below the Pareto chart, not beside it: the sheet prints one A4 page wide at a
    # legible size
    ws.insert_chart(row + 19, 0, monthly, {"x_scale": 1.6, "y_scale": 1.2})
