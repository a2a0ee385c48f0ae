"""CSV files as organizers' spreadsheets write them."""

from __future__ import annotations

import csv

SEPARATORS = (",", ";", "\t")


def dialect(separator: str) -> type[csv.Dialect]:
    """Excel's rules (a quote inside a quoted cell is doubled) with this separator."""
    return type("Spreadsheet", (csv.excel,), {"delimiter": separator})


def spreadsheet_dialect(text: str) -> type[csv.Dialect]:
    """Excel's rules, with the separator the file uses: a comma, a semicolon (spreadsheets in
    many European locales) or a tab, whichever its header has most of.

    Only the separator is guessed, from the header, in one pass over it: a header has no
    quotes (a guessed quoting rule would mangle every later cell that has one), and
    `csv.Sniffer` takes time that grows with the square of the line (a 96 KB header held the
    bot for 40 s).
    """
    header = text.split("\n", 1)[0]
    counts = {separator: header.count(separator) for separator in SEPARATORS}
    best = max(SEPARATORS, key=lambda separator: counts[separator])
    return dialect(best if counts[best] else ",")
