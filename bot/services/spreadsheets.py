"""CSV files as organizers' spreadsheets write them."""

from __future__ import annotations

import csv


def spreadsheet_dialect(text: str) -> type[csv.Dialect]:
    """Excel's rules (a quote inside a quoted cell is doubled), with the separator the file
    uses: a comma, a semicolon (spreadsheets in many European locales) or a tab.

    Only the separator is guessed, from the header: a header has no quotes, so a guessed
    quoting rule would mangle every later cell that has one.
    """
    try:
        delimiter = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    return type("Spreadsheet", (csv.excel,), {"delimiter": delimiter})
