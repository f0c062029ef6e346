"""Pages of Snakemake's HTML report (`./reproduce report`): a caption per figure filled in from the run's own claim
rows and parameters, the searchable claims table grouped by figure, the errata, and the per-rule cost."""

from __future__ import annotations

import html
import json
from pathlib import Path

import pandas as pd

STATUS_COLOURS = {"reproduced": "#d8f0d8", "not_reproduced": "#f6d5d5", "erratum": "#fbe8c8", "qualitative": "#fff4c2", "not_judged": "#e6e6e6"}


def _rst_cell(text) -> str:
    """One line of text, its inline markup characters escaped."""
    text = " ".join(str(text).split())
    for char in "\\|*`_":
        text = text.replace(char, "\\" + char)
    return text


def figure_captions(claims: list[str], captions: list[str], outputs: list[str], *, parameters: dict[str, dict]) -> None:
    """Report captions of every figure, in one job (each costs milliseconds; a job per figure cost ~0.5 s of
    interpreter start and imports): claims[i], captions[i] -> outputs[i], parameters keyed by the output's stem."""
    for claims_path, caption, output in zip(claims, captions, outputs, strict=True):
        figure_caption(claims_path, caption, output, parameters=parameters[Path(output).stem])


def figure_caption(claims: str, caption: str, output: str, *, parameters: dict) -> None:
    """Caption of one figure in the report: its static text (workflow/report/<paper>/<figure>.rst, which Snakemake
    renders with Jinja), the parameters it was made with, and its claim rows with measured value, tolerance and
    status, taken from the figure's claims file of this run."""
    rows = pd.read_csv(claims)
    counts = rows.status.value_counts()
    lines = [Path(caption).read_text().rstrip(), "", "{% raw %}",
             f"**Claims of this run**: {len(rows)} rows, " + ", ".join(f"{n} {status}" for status, n in counts.items()) + ".", "",
             ".. list-table::", "   :header-rows: 1", "", "   * - claim", "     - status", "     - measured", "     - expected", "     - tolerance"]
    for row in rows.itertuples():
        lines += [f"   * - {_rst_cell(row.claim_id)}", f"     - {_rst_cell(row.status)}", f"     - {_rst_cell(row.measured)}",
                  f"     - {_rst_cell(row.expected)}", f"     - {_rst_cell(row.tolerance)}"]
    lines += ["", "**Parameters**:", "", "::", ""] + ["   " + line for line in json.dumps(parameters, indent=1, sort_keys=True).splitlines()]
    lines += ["", "{% endraw %}", ""]
    Path(output).write_text("\n".join(lines))


_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title><style>
body {{ font-family: sans-serif; font-size: 13px; margin: 1em; }} table {{ border-collapse: collapse; width: 100%; }}
td, th {{ border: 1px solid #ccc; padding: 3px 5px; vertical-align: top; text-align: left; }} th {{ background: #f0f0f0; }}
summary {{ font-weight: bold; margin: .6em 0; cursor: pointer; }} input {{ width: 40em; padding: 4px; margin-bottom: 1em; }}
</style></head><body><h2>{title}</h2>{body}
<script>
function filterRows(q) {{
  q = q.toLowerCase();
  document.querySelectorAll("tr.claim").forEach(function (tr) {{ tr.style.display = tr.textContent.toLowerCase().includes(q) ? "" : "none"; }});
}}
</script></body></html>
"""


def _table(frame: pd.DataFrame, columns: list[str], row_class: str = "") -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = []
    for _, row in frame.iterrows():
        colour = STATUS_COLOURS.get(row.get("status"), "white")
        cells = "".join(f"<td>{html.escape(str(row[c]))}</td>" for c in columns)
        body.append(f'<tr class="{row_class}" style="background:{colour}">{cells}</tr>')
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def _side_by_side(r, left: str, right: str) -> str:
    """One erratum or ambiguity row: the paper's side (its words, the printed expectation) beside the run's."""
    return (f"<h3>{html.escape(r.claim_id)} ({html.escape(r.location)})</h3><table><tr><th>{left}</th><th>{right}</th></tr>"
            f"<tr><td>{html.escape(r.quote)}<br><i>expected: {html.escape(str(r.expected))}</i></td><td>{html.escape(r.statement)}<br>"
            f"<i>measured: {html.escape(str(r.measured))}; tolerance {html.escape(str(r.tolerance))}</i></td></tr></table>")


def claims_pages(table: str, summary: str, cost: str, claims_page: str, errata_page: str, errata_pages: str, cost_page: str) -> None:
    """The claims table as a searchable page grouped by paper and figure; a page of all erratum rows (the printed form
    beside what the run measured) and ambiguities (qualitative rows: the paper's words beside their reading and the
    tolerance at which they hold), and one page per such row in the directory `errata_pages` (<claim_id>.html, each
    its own entry in the report); the per-rule cost table."""
    rows = pd.read_csv(table).fillna("")
    counts = pd.read_csv(summary)
    columns = [c for c in ("claim_id", "kind", "status", "location", "quote", "statement", "quantity", "measured", "expected", "tolerance", "power")
               if c in rows]
    groups = []
    for (paper, figure), group in rows.groupby(["paper", "figure"], sort=False):
        tally = ", ".join(f"{n} {s}" for s, n in group.status.value_counts().items())
        groups.append(f"<details open><summary>{html.escape(paper)}, Fig. {html.escape(str(figure))} ({tally})</summary>{_table(group, columns, 'claim')}</details>")
    body = ('<p>Counts per paper, kind and status:</p>' + counts.to_html(index=False) +
            '<p><input type="search" placeholder="search the claims (id, status, words)" oninput="filterRows(this.value)"></p>' + "".join(groups))
    Path(claims_page).write_text(_PAGE.format(title=f"Claims: {len(rows)} rows", body=body))
    errata, readings = rows[rows.status == "erratum"], rows[rows.status == "qualitative"]

    def side_by_side(frame, left, right):
        return "".join(_side_by_side(r, left, right) for r in frame.itertuples())

    body = ("<h2>Errata</h2>" + (side_by_side(errata, "printed", "corrected, as the run measured it") if len(errata) else
                                 "<p>No row of this run has status erratum: every printed formula tested so far holds as printed.</p>")
            + "<h2>Ambiguities: vague words and how they were read</h2><p>Rows that hold only at a looser tolerance than the "
            "reading of the paper's words (status qualitative), with the tolerance at which they hold.</p>"
            + (side_by_side(readings, "the paper's words", "how the row reads them, and what the run measured") if len(readings) else "<p>None.</p>"))
    Path(errata_page).write_text(_PAGE.format(title=f"Errata: {len(errata)}; ambiguities: {len(readings)}", body=body))
    Path(errata_pages).mkdir(parents=True, exist_ok=True)
    for frame, kind, left, right in ((errata, "Erratum", "printed", "corrected, as the run measured it"),
                                     (readings, "Ambiguity", "the paper's words", "how the row reads them, and what the run measured")):
        for r in frame.itertuples():
            page = _side_by_side(r, left, right) + f"<p>Power: {html.escape(str(r.power))}</p>"
            (Path(errata_pages) / f"{r.claim_id}.html").write_text(_PAGE.format(title=f"{kind}: {html.escape(r.claim_id)}", body=page))
    cost_frame = pd.read_csv(cost)
    Path(cost_page).write_text(_PAGE.format(title="Cost per rule", body=cost_frame.to_html(index=False)))
