"""Any table as a file people open in a spreadsheet: CSV (UTF-8 with a byte-order mark, so Excel reads the Chinese
right) or Excel (.xlsx, via openpyxl), with the column titles as the first row.

One helper for every table the console shows and every report a regulator files:

    columns = [Column("equipment_code", "设备代码"), Column("paid_fen", "赔付(元)", kind="yuan")]
    return export_response("claims-2025-12", columns, rows, "xlsx")

Values are written as their kind says: ``text`` as is (a 设备代码 stays text, never a number that loses its leading
digits), ``int`` and ``number`` as numbers, ``yuan`` from integer 分 to 元 with two decimals, ``date`` as
``YYYY-MM-DD``, ``instant`` as China local time ``YYYY-MM-DD HH:MM``. A cell that a spreadsheet would read as a
formula (``=``, ``+``, ``-``, ``@`` first) is written as text with a leading apostrophe in CSV, and as a string cell
in Excel, so an exported record can never run as a formula (CSV injection).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from urllib.parse import quote

from fastapi.responses import Response

from api.http.errors import RequestError
from ledger.core.identifiers import instant_from_text

__all__ = ["EXPORT_FORMATS", "Column", "cell_value", "export_response", "to_csv", "to_xlsx"]

Kind = Literal["text", "int", "number", "yuan", "date", "instant"]
EXPORT_FORMATS: dict[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CST = timedelta(hours=8)


@dataclass(frozen=True, slots=True)
class Column:
    """A column: the row key it reads (or ``get``, a function of the row), its title, its kind."""

    key: str
    title: str
    kind: Kind = "text"
    get: Callable[[dict[str, Any]], Any] | None = None

    def value(self, row: dict[str, Any]) -> Any:
        return self.get(row) if self.get is not None else row.get(self.key)


def cell_value(column: Column, row: dict[str, Any]) -> str | int | float | None:
    """The value to write in ``column`` for ``row`` (None: an empty cell)."""
    value = column.value(row)
    if value is None or value == "":
        return None
    if column.kind == "yuan":
        return round(int(value) / 100, 2)
    if column.kind in ("int", "number"):
        return value if isinstance(value, int | float) and not isinstance(value, bool) else str(value)
    if column.kind == "instant" and isinstance(value, str) and len(value) == 20:
        moment = datetime.fromtimestamp(instant_from_text(value), UTC) + _CST
        return moment.strftime("%Y-%m-%d %H:%M")
    if column.kind == "date" and isinstance(value, str):
        return value[:10]
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def _safe_text(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def to_csv(columns: Sequence[Column], rows: Iterable[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.title for c in columns])
    for row in rows:
        cells = [cell_value(c, row) for c in columns]
        writer.writerow(["" if v is None else _safe_text(v) if isinstance(v, str) else v for v in cells])
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


def to_xlsx(title: str, columns: Sequence[Column], rows: Iterable[dict[str, Any]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=_sheet_title(title))
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.title)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows:
        cells = []
        for column in columns:
            value = cell_value(column, row)
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
            elif column.kind == "yuan":
                cell.number_format = "#,##0.00"
            cells.append(cell)
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_title(title: str) -> str:
    cleaned = "".join("_" if ch in "[]:*?/\\" else ch for ch in title)
    return cleaned[:31] or "export"


def export_response(name: str, columns: Sequence[Column], rows: Iterable[dict[str, Any]], fmt: str) -> Response:
    """A download of ``rows`` as ``name.csv`` or ``name.xlsx``; another format is refused (400)."""
    if fmt not in EXPORT_FORMATS:
        raise RequestError(f"export format {fmt[:10]!r}: csv or xlsx", code="request.invalid_format")
    body = to_csv(columns, rows) if fmt == "csv" else to_xlsx(name, columns, rows)
    filename = f"{name}.{fmt}"
    disposition = f"attachment; filename=\"{filename.encode('ascii', 'replace').decode()}\"; " \
                  f"filename*=UTF-8''{quote(filename)}"
    return Response(body, media_type=EXPORT_FORMATS[fmt], headers={"Content-Disposition": disposition})
