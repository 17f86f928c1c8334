"""A recording's CSV text split into a header and rows, in time linear in its size.

Python's ``csv`` module reads each line once (pandas' reader is quadratic in the number of
fields of one very long line). Text after ``#`` on a line is a comment; blank lines are
skipped; spaces around a field are ignored. Every data row must have as many fields as the
header, else the error names the line.
"""

from __future__ import annotations

import csv

from vrest.errors import ParameterError

#: Most columns a recording may have, and most data rows.
MAX_COLUMNS = 100
MAX_ROWS = 1_000_000


def parse_csv(text: str, label: str) -> tuple[list[str], list[list[str]], list[int]]:
    """(header, rows, the file line number of each row) of a recording's CSV text."""
    numbered = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.split("#", 1)[0]
        if line.strip():
            numbered.append((number, line))
    if not numbered:
        raise ParameterError(f"DATA {label}: no header line; give a CSV whose first line names "
                             "the columns, e.g. K_o_mM,V_mV")
    try:
        parsed = list(csv.reader((line for _, line in numbered), skipinitialspace=True))
    except csv.Error as exc:
        raise ParameterError(f"DATA {label}: cannot be read as CSV ({exc})") from None
    if len(parsed) != len(numbered):
        raise ParameterError(f"DATA {label}: a quoted field spans several lines; give one row "
                             "per line")
    header = [h.strip() for h in parsed[0]]
    if len(header) > MAX_COLUMNS:
        raise ParameterError(f"DATA {label}, line {numbered[0][0]}: {len(header):,} columns; at "
                             f"most {MAX_COLUMNS}")
    if len(parsed) - 1 > MAX_ROWS:
        raise ParameterError(f"DATA {label}: {len(parsed) - 1:,} data rows; at most {MAX_ROWS:,}")
    for (number, _), row in zip(numbered[1:], parsed[1:], strict=True):
        if len(row) != len(header):
            raise ParameterError(f"DATA {label}, line {number}: {len(row):,} fields; the header "
                                 f"has {len(header)}")
    return header, parsed[1:], [n for n, _ in numbered[1:]]
