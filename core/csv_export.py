"""CSV downloads safe to open in a spreadsheet: the one helper every export uses.

Excel, LibreOffice and Google Sheets read a cell that begins with `=`, `+`, `-`, `@`, a tab or a line break as a
formula (CSV injection: a service named `=HYPERLINK(...)` runs when the file is opened). Such a cell gets a
leading single quote. A spreadsheet set to a `;` (or tab, or `|`) separator also splits a `,`-separated cell
at those characters, and a line break starts a new row, so `x;=1+1` or `x\\n=1+1` would hide a formula in the
middle of a cell: a quote is put after every separator or line break (and its spaces) that a formula
character follows. Text cells are also written between double quotes. Numbers are written as numbers.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import HttpResponse

FORMULA_CHARS = "=+-@"
FORMULA_PREFIXES = (*FORMULA_CHARS, "\t", "\r", "\n")
# A separator of some spreadsheet's locale, or a line break, then (after spaces) a formula character.
_EMBEDDED_FORMULA = re.compile(r"([,;|\t\r\n]\s*)(?=[=+\-@])")
_LEADING_FORMULA = re.compile(r"\s*[=+\-@]")


def neutralise(value: Any) -> Any:
    """The cell as written: text a spreadsheet could take for a formula, anywhere in the cell, is quoted."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return value
    text = _EMBEDDED_FORMULA.sub(r"\1'", str(value))
    if text.startswith(FORMULA_PREFIXES) or _LEADING_FORMULA.match(text):
        return f"'{text}"
    return text


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> HttpResponse:
    """A downloaded (attachment) UTF-8 CSV file with every cell neutralised; the BOM lets Excel read UTF-8."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response.write("\ufeff")
    writer = csv.writer(response, quoting=csv.QUOTE_NONNUMERIC)
    writer.writerow([neutralise(cell) for cell in header])
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return response
