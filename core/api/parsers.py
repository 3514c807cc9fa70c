"""The API's JSON parser: DRF's, refusing with a 400 what could only fail later (core.limits).

- nesting deeper than JSON_MAX_DEPTH levels (Python's decoder would exhaust its recursion limit: a 500);
- a NUL character (`\\u0000`) or a lone surrogate (`\\ud800`) in any string or key: PostgreSQL can store neither
  in a text or jsonb column, and a serializer that does not check (a JSONField) would hand it to the database.

A bad string is answered on the field it is in (`{"title": ["..."]}`, `{"actions.50.0": ["..."]}`).
"""

from __future__ import annotations

import re
from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError, ValidationError

from core.limits import JSON_MAX_DEPTH

SURROGATE = re.compile("[\ud800-\udfff]")
TOO_DEEP = f"JSON parse error - the document is nested more than {JSON_MAX_DEPTH} levels deep, which is not accepted."


def string_problem(value: str) -> str | None:
    """Why PostgreSQL could not store `value` (None when it can)."""
    if "\x00" in value:
        return "Null characters (\\u0000) are not allowed."
    match = SURROGATE.search(value)
    if match:
        return f"Lone surrogate characters (U+{ord(match.group()):04X}) are not allowed: send valid UTF-16 pairs."
    return None


def check_document(data: Any, max_depth: int = JSON_MAX_DEPTH) -> None:
    """Raise ParseError when `data` nests deeper than `max_depth`, ValidationError on a string it cannot keep."""
    stack: list[tuple[Any, int, str]] = [(data, 0, "")]
    while stack:
        value, depth, path = stack.pop()
        if isinstance(value, str):
            problem = string_problem(value)
            if problem:
                raise ValidationError({path or "non_field_errors": [problem]})
            continue
        if not isinstance(value, dict | list):
            continue
        if depth + 1 > max_depth:
            raise ParseError(TOO_DEEP)
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            name = f"{path}.{key}" if path else str(key)
            if isinstance(key, str):
                problem = string_problem(key)
                if problem:
                    raise ValidationError({"non_field_errors": [f"A key of the document: {problem}"]})
            stack.append((item, depth + 1, name))


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with a depth limit and strings PostgreSQL can store (see the module)."""

    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:  # far deeper than the limit: the decoder gave up
            raise ParseError(TOO_DEEP) from exc
        check_document(data)
        return data
