"""The pack as one self-contained HTML page: the answer to "are we on track?" first, then the
scorecard, the overview against every authority, the trends, the substance groups and the
notes. Plain words only (pipelines/extracts/words.py); charts as inline SVG (charts.py)."""

import html
from pathlib import Path

from pipelines.extracts import charts, words
from pipelines.extracts.pack import DISCLOSURE_RULE, HOW_TO_READ, Pack
from pipelines.extracts.spine import spine_position

STYLE = """
*{box-sizing:border-box}
body{font-family:Arial,Helvetica,sans-serif;margin:20px auto;padding:0 16px;color:#222;
  max-width:1400px;font-size:14px;line-height:1.35}
h1{color:#1f4e79;font-size:24px;margin-bottom:4px}
h2{color:#1f4e79;font-size:19px;margin-top:30px}
h3{font-size:15px;margin:14px 0 4px}
.sub{color:#444;margin-top:0}
table{border-collapse:collapse;width:100%;margin:8px 0}
th{background:#1f4e79;color:#fff;text-align:left;padding:6px 8px;font-size:13px;
  vertical-align:bottom}
td{border-bottom:1px solid #ddd;padding:5px 8px;vertical-align:top}
td.n{text-align:right;white-space:nowrap}
tr.objective th{background:#dce6f0;color:#1f4e79;font-size:14px}
tr.outcome th{background:#1f4e79;color:#fff;font-size:15px}
.s{color:#666}
.ontrack{border:2px solid #1f4e79;padding:4px 16px 10px;border-radius:4px}
.verdict{font-weight:bold;white-space:nowrap}
.v-better,.c-improved,.c-better{background:#d6e6f4}
.v-worse,.c-worsened,.c-worse{background:#fde2c8}
.v-mixed{background:#efe6f5}
.c-similar{background:#fffbe0}
.prov{font-style:italic}
.legend{margin:6px 0}
.legend .key{display:inline-flex;align-items:center;margin-right:18px;font-size:13px}
.legend svg{margin-right:6px}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(440px,1fr));gap:8px 24px}
.chart{break-inside:avoid}
@page{size:A4 landscape;margin:12mm}
@media print{body{max-width:none;margin:0;padding:0;font-size:11pt}
  th{font-size:10pt}h2{break-after:avoid}tr{break-inside:avoid}
  .charts{grid-template-columns:1fr 1fr}}
"""


def _cell(text: str, css: str = "") -> str:
    return f"<td{f' class={css!r}' if css else ''}>{html.escape(text)}</td>"


def _change_class(text: str) -> str:
    return {"improved": "c-improved", "worsened": "c-worsened"}.get(text, "")


def _comparison_class(text: str) -> str:
    for word in ("better", "worse", "similar"):
        if text.startswith(word):
            return f"c-{word}"
    return ""


def _measure(row) -> str:
    unit = words.UNIT_WORDS[row.unit]
    return f"{row.metric} ({unit})"


def _value(row) -> tuple[str, str]:
    if row.is_suppressed:
        return words.SUPPRESSED, "s"
    if words.missing(row.value):
        return words.NOT_PUBLISHED, "s"
    value = words.number(row.value, row.unit)
    if row.is_provisional:
        return f"{value} (provisional)", "n prov"
    return value, "n"


def _on_track(pack: Pack) -> str:
    e = html.escape
    rows = "".join(
        f"<tr><td>{e(v.objective)}<br><span class='s'>{e(v.working_group)}</span></td>"
        f"<td class='verdict v-{v.verdict}'>{e(v.verdict_words)}</td>"
        f"<td>{e(v.sentence)}</td></tr>"
        for v in pack.verdicts.itertuples()
    )
    headlines = "".join(f"<li>{e(text)}</li>" for text in pack.headlines)
    return (
        "<section class='ontrack'><h2>Are we on track?</h2>"
        "<p>Each objective of the strategy, judged by whether its measures changed "
        "significantly since the same period a year earlier.</p>"
        "<table class='verdicts'><tr><th>Objective</th><th>Verdict</th>"
        f"<th>Its measures</th></tr>{rows}</table>"
        f"<h3>Headline figures</h3><ul>{headlines}</ul>"
        f"<p class='s'>{e(pack.newer)}</p></section>"
    )


def _framework(pack: Pack) -> str:
    """The framework's outcomes, each with its measures here (first page)."""
    if pack.framework.empty:
        return ""
    e = html.escape
    rows = []
    for o in pack.framework.itertuples():
        if o.measures:
            measures = "<ul>" + "".join(f"<li>{e(m)}</li>" for m in o.measures) + "</ul>"
        else:
            measures = f"<p>{e(o.local_measure_note or 'No local measure.')}</p>"
        rows.append(
            f"<tr><td><b>{e(o.ncdof_outcome)}</b><br><span class='s'>{e(o.ncdof_outcome_type)}"
            f" outcome</span></td><td>{e(o.outcome_words)}</td><td>{measures}</td></tr>"
        )
    return (
        "<section class='framework'><h2>The framework's outcomes</h2>"
        "<p>The National Combating Drugs Outcomes Framework's six outcomes, and the measures "
        "this publication has for each here.</p>"
        "<table class='verdicts'><tr><th>Outcome</th><th>What it means</th>"
        f"<th>Measures here</th></tr>{''.join(rows)}</table></section>"
    )


def _scorecard(pack: Pack) -> str:
    e = html.escape
    body = []
    outcome = None
    for _, rows in pack.summary.groupby("objective_id", sort=False):
        first = rows.iloc[0]
        if first.ncdof_outcome != outcome:
            outcome = first.ncdof_outcome
            body.append(f"<tr class='outcome'><th colspan='8'>{e(outcome)}</th></tr>")
        body.append(
            f"<tr class='objective'><th colspan='8'>{e(first.objective)} "
            f"<span class='s'>({e(first.working_group)})</span></th></tr>"
        )
        for row in rows.itertuples():
            value, css = _value(row)
            earlier = "" if row.is_suppressed else words.number(row.previous_value, row.unit)
            body.append(
                "<tr>"
                + _cell(_measure(row))
                + _cell(row.period)
                + _cell(value, css)
                + _cell(words.interval(row), "n")
                + _cell(earlier, "n")
                + _cell(
                    row.change + (f"; trend {row.trend}" if row.trend else ""),
                    _change_class(row.change),
                )
                + _cell(row.compared_with_england, _comparison_class(row.compared_with_england))
                + _cell(
                    row.compared_with_neighbours,
                    _comparison_class(row.compared_with_neighbours),
                )
                + "</tr>"
            )
            if row.note:
                body.append(f"<tr><td></td><td colspan='7' class='s'>{e(row.note)}</td></tr>")
    return (
        "<h2>Strategy scorecard</h2><table class='scorecard'><tr><th>Measure</th>"
        "<th>Period</th><th>Value</th><th>95% interval</th><th>A year earlier</th>"
        "<th>Change on a year earlier</th><th>Compared with England</th>"
        f"<th>Compared with neighbours</th></tr>{''.join(body)}</table>"
    )


def _overview(pack: Pack) -> str:
    if pack.spine.empty:
        return ""
    e = html.escape
    rows = "".join(
        (
            f"<tr class='outcome'><th colspan='8'>{e(r.ncdof_outcome)}</th></tr>"
            if i == 0 or r.ncdof_outcome != pack.spine.ncdof_outcome.iloc[i - 1]
            else ""
        )
        + "<tr>"
        + _cell(f"{r.metric} ({words.UNIT_WORDS[r.unit]})")
        + _cell(r.period)
        + _cell(*_spine_value(r))
        + _cell(words.number(r.england_value, r.unit), "n")
        + _cell(words.number(r.worst, r.unit), "n")
        + f"<td>{charts.spine(r, spine_position)}</td>"
        + _cell(words.number(r.best, r.unit), "n")
        + _cell(f"{int(r.areas)}", "n")
        + "</tr>"
        for i, r in enumerate(pack.spine.itertuples())
    )

    def key(colour: str, text: str, shape: str = "rect") -> str:
        mark = (
            f'<circle cx="7" cy="6" r="5" fill="{colour}" stroke="#222"/>'
            if shape == "circle"
            else f'<rect x="0" y="1" width="30" height="10" fill="{colour}"/>'
            if shape == "rect"
            else '<line x1="7" x2="7" y1="0" y2="12" stroke="#000" stroke-width="2"/>'
        )
        return (
            f'<span class="key"><svg width="32" height="12" aria-hidden="true">{mark}</svg>'
            f"{e(text)}</span>"
        )

    legend = (
        "<p class='legend'>"
        + key(charts.RANGE_COLOUR, "range of local authorities")
        + key(charts.QUARTILES_COLOUR, "middle half")
        + key("#000", "England", "line")
        + "".join(
            key(charts.COMPARISON_COLOURS[code], f"this area: {label}", "circle")
            for code, label in (
                ("better", "better than England"),
                ("similar", "similar"),
                ("worse", "worse than England"),
                ("not_compared", "not compared"),
            )
        )
        + "</p>"
    )
    return (
        "<h2>Overview: against every local authority and England</h2>"
        "<p>Worst on the left, best on the right.</p>"
        f"{legend}<table id='spine'><tr><th>Measure</th><th>Period</th><th>Value</th>"
        "<th>England</th><th>Worst</th><th>Range (worst to best)</th><th>Best</th>"
        f"<th>Authorities</th></tr>{rows}</table>"
    )


def _spine_value(row) -> tuple[str, str]:
    if row.is_suppressed:
        return words.SUPPRESSED, "s"
    if words.missing(row.value):
        return words.NOT_PUBLISHED, "s"
    text = words.number(row.value, row.unit)
    return (f"{text} (provisional)", "n prov") if row.is_provisional else (text, "n")


def _trends(pack: Pack) -> str:
    e = html.escape
    units = dict(zip(pack.summary.metric_id, pack.summary.unit, strict=False))
    has_england = any(s.england_value.notna().any() for s in pack.trends.values())
    has_gaps = any(s.is_suppressed.any() for s in pack.trends.values())
    blocks = "".join(
        f"<div class='chart'><h3>{e(pack.metric_names[m])} ({words.UNIT_WORDS[units[m]]})</h3>"
        f"{charts.trend_chart(s, units[m])}</div>"
        for m, s in pack.trends.items()
    )
    return (
        "<h2>Trends</h2><p>Each point is a 12-month period (three calendar years for the "
        "standardised death rate) ending in the month shown. Counts of events are published "
        "for whole financial or calendar years only, so their trends are yearly.</p>"
        f"{charts.legend(has_england, has_gaps)}<div class='charts'>{blocks}</div>"
    )


def _breakdowns(pack: Pack) -> str:
    if pack.breakdowns.empty:
        return ""
    e = html.escape
    rows = []
    for r in pack.breakdowns.itertuples():
        cells = _cell(pack.metric_names[r.metric_id]) + _cell(r.breakdown.replace("_", " "))
        if r.is_suppressed:
            cells += f"<td colspan='3' class='s'>{e(words.SUPPRESSED)}</td>"
        else:
            value, css = _value(r)
            cells += (
                _cell(words.number(r.numerator, "count"), "n")
                + _cell(words.number(r.denominator, "count"), "n")
                + _cell(value, css)
            )
        rows.append(f"<tr>{cells}</tr>")
    return (
        f"<h2>By substance group, {words.period_of(pack)}</h2><table><tr><th>Measure</th>"
        "<th>Substance group</th><th>Numerator</th><th>Denominator</th><th>Value</th></tr>"
        f"{''.join(rows)}</table>"
    )


def _notes(pack: Pack) -> str:
    e = html.escape
    rows = "".join(
        "<tr>"
        + _cell(r.metric_name)
        + _cell(r.definition)
        + _cell(r.period_definition)
        + _cell(words.POLARITY_WORDS.get(r.polarity, ""))
        + _cell(words.sources(r.source_files))
        + _cell("" if words.missing(r.national_definition_note) else r.national_definition_note)
        + "</tr>"
        for r in pack.notes.itertuples()
    )
    return (
        "<h2>Notes</h2>"
        f"<p><b>How to read the pack.</b> {e(HOW_TO_READ)}</p>"
        f"<p><b>Disclosure control.</b> {e(DISCLOSURE_RULE)}</p>"
        f"<p><b>Neighbours.</b> {e(words.neighbours_sentence(pack))}</p>"
        "<table><tr><th>Measure</th><th>What it counts</th><th>Period</th><th>Better when</th>"
        f"<th>Source</th><th>Differences from the national definition</th></tr>{rows}</table>"
    )


def write_html(pack: Pack, path: Path) -> Path:
    e = html.escape
    page = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(pack.title)}</title><style>{STYLE}</style></head><body>"
        f"<h1>{e(pack.title)}</h1><p class='sub'>{e(pack.subtitle)}</p>"
        + _on_track(pack)
        + _framework(pack)
        + _scorecard(pack)
        + _overview(pack)
        + _trends(pack)
        + _breakdowns(pack)
        + _notes(pack)
        + "</body></html>\n"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path
