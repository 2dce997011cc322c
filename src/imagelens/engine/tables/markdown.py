"""A table as a GitHub-flavoured Markdown table (what describe-image answers carry)."""

from __future__ import annotations

from imagelens.types import Table


def table_markdown(table: Table) -> str:
    """``table`` as Markdown: its header row (or the first row, Markdown needs one), a
    spanned cell's text in its first column and the columns it covers left empty."""
    grid = _grid(table)
    if not grid:
        return ""
    width = max(len(row) for row in grid)
    lines = [_line(row + [""] * (width - len(row))) for row in grid]
    lines.insert(1, "|" + "|".join(" --- " for _ in range(width)) + "|")
    return "\n".join(lines)


def _grid(table: Table) -> list[list[str]]:
    """The cells laid on the full grid, spanned positions empty."""
    taken: set[tuple[int, int]] = set()
    out: list[list[str]] = []
    for r, row in enumerate(table.rows):
        line: list[str] = []
        cells = iter(row)
        c = 0
        for cell in cells:
            while (r, c) in taken:
                line.append("")
                c += 1
            line.append(cell.text)
            for dr in range(cell.row_span):
                for dc in range(cell.col_span):
                    taken.add((r + dr, c + dc))
            line.extend("" for _ in range(cell.col_span - 1))
            c += cell.col_span
        while (r, c) in taken:
            line.append("")
            c += 1
        out.append(line)
    return out


def _line(cells: list[str]) -> str:
    return "| " + " | ".join(_escape(c) for c in cells) + " |"


def _escape(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")
