"""Tables people work in: filter, search, sort, page and export any list of rows, from the query string alone.

A :class:`Listing` says what a table is — its columns, its filters, which fields the search box looks in — and
:meth:`Listing.answer` applies a request's query to the rows: filters, then the search, then the sort, then the
page. Every state is in the URL (``?district=浦东新区&rule=F5.countersign&sort=opened_at&dir=desc&page=3``), so a
filtered view can be bookmarked, shared and exported as it is (``&format=csv`` or ``&format=xlsx``, the same rows
unpaged). The pages render it with the ``listing`` macro (templates/_listing.html); no script is needed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from api.http.errors import RequestError
from api.http.export import Column, Kind

__all__ = ["PAGE_SIZES", "Field", "Filter", "Listing", "ListingPage", "ListingQuery"]

PAGE_SIZES = (25, 50, 100, 200)
_MAX_SEARCH = 64
Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Field:
    """A column as people see it: what it reads, its title and kind, whether it sorts, where a click goes."""

    key: str
    title: str
    kind: Kind = "text"
    sortable: bool = True
    href: Callable[[Row], str | None] | None = None
    label: Callable[[Any], str] | None = None  # how a value reads (a code → its Chinese label)
    get: Callable[[Row], Any] | None = None

    def value(self, row: Row) -> Any:
        return self.get(row) if self.get is not None else row.get(self.key)

    def text(self, row: Row) -> str:
        """The cell as displayed (export writes the raw value through :class:`Column`)."""
        from api.http.export import cell_value

        value = self.value(row)
        if value is not None and self.label is not None:
            return self.label(value)
        shown = cell_value(self.column, row)
        if shown is None:
            return "—"
        if self.kind == "yuan":
            return f"{float(shown):,.2f}"
        return str(shown)

    @property
    def column(self) -> Column:
        return Column(self.key, self.title, self.kind, self.get)


@dataclass(frozen=True, slots=True)
class Filter:
    """A narrowing of the rows: a choice among the values of a field, or a date range on one."""

    name: str  # the query parameter
    title: str
    kind: Literal["choice", "since", "until"] = "choice"
    key: str = ""  # the row field it tests (default: the name)
    label: Callable[[Any], str] | None = None  # how a choice reads
    get: Callable[[Row], Any] | None = None

    def value(self, row: Row) -> Any:
        return self.get(row) if self.get is not None else row.get(self.key or self.name)

    def keeps(self, row: Row, wanted: str) -> bool:
        value = self.value(row)
        if self.kind == "choice":
            return (value if isinstance(value, str) else "" if value is None else str(value)) == wanted
        day = str(value or "")[:10]
        if not day:
            return False
        return day >= wanted if self.kind == "since" else day <= wanted


@dataclass(frozen=True, slots=True)
class ListingQuery:
    filters: dict[str, str]
    search: str
    sort: str
    descending: bool
    page: int
    size: int


@dataclass
class ListingPage:
    """One page of a table, with what the page needs to draw its controls."""

    listing: Listing
    query: ListingQuery
    rows: list[Row]  # this page's
    matched: list[Row]  # every row the filters and search keep (what an export writes)
    total: int  # rows before filtering
    choices: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # filter → (value, label)

    @property
    def pages(self) -> int:
        return max(1, -(-len(self.matched) // self.query.size))


@dataclass(frozen=True)
class Listing:
    name: str  # the export's file name and the table's id
    fields: tuple[Field, ...]
    filters: tuple[Filter, ...] = ()
    search: tuple[str, ...] = ()  # the row keys the search box looks in
    search_hint: str = ""
    sort: str = ""
    descending: bool = False
    size: int = 50

    def query(self, params: Mapping[str, str]) -> ListingQuery:
        """The query in a request's parameters; a sort or page size it does not know is refused (400)."""
        sortable = {f.key for f in self.fields if f.sortable}
        sort = params.get("sort") or self.sort
        if sort and sort not in sortable:
            raise RequestError(f"cannot sort {self.name} by {sort[:40]!r}; by one of {', '.join(sorted(sortable))}",
                               code="request.invalid_sort")
        direction = params.get("dir", "")
        if direction not in ("", "asc", "desc"):
            raise RequestError("dir is asc or desc", code="request.invalid_sort")
        descending = self.descending if not direction else direction == "desc"
        size = _int(params.get("size"), self.size, "size")
        if size not in PAGE_SIZES and size != self.size:
            raise RequestError(f"size is one of {', '.join(map(str, PAGE_SIZES))}", code="request.invalid_page")
        page = _int(params.get("page"), 1, "page")
        if page < 1:
            raise RequestError("page counts from 1", code="request.invalid_page")
        filters = {f.name: params[f.name].strip() for f in self.filters if params.get(f.name, "").strip()}
        for f in self.filters:
            if f.kind != "choice" and f.name in filters and not _is_date(filters[f.name]):
                raise RequestError(f"{f.name} is a date YYYY-MM-DD", code="request.invalid_date")
        search = params.get("q", "").strip()[:_MAX_SEARCH]
        return ListingQuery(filters, search, sort, descending, page, size)

    def answer(self, rows: Sequence[Row], query: ListingQuery) -> ListingPage:
        choices = {f.name: _choices(f, rows) for f in self.filters if f.kind == "choice"}
        kept = [row for row in rows if all(f.keeps(row, query.filters[f.name]) for f in self.filters
                                           if f.name in query.filters)]
        if query.search:
            needle = query.search.lower()
            kept = [row for row in kept if any(needle in str(row.get(key) or "").lower() for key in self.search)]
        if query.sort:
            present = [row for row in kept if row.get(query.sort) is not None]
            absent = [row for row in kept if row.get(query.sort) is None]
            present.sort(key=lambda row: _sort_key(row[query.sort]), reverse=query.descending)
            kept = present + absent  # rows without the value last, whichever the direction
        start = (query.page - 1) * query.size
        return ListingPage(self, query, kept[start:start + query.size], kept, len(rows), choices)


def _choices(f: Filter, rows: Sequence[Row]) -> list[tuple[str, str]]:
    values = sorted({str(v) for v in (f.value(row) for row in rows) if v not in (None, "")})
    return [(v, f.label(v) if f.label else v) for v in values]


def _sort_key(value: Any) -> Any:
    return (0, value) if isinstance(value, int | float) and not isinstance(value, bool) else (1, str(value))


def _int(text: str | None, default: int, name: str) -> int:
    if text is None or text == "":
        return default
    if not text.isdigit() or len(text) > 6:
        raise RequestError(f"{name} is a whole number", code="request.invalid_page")
    return int(text)


def _is_date(text: str) -> bool:
    from ledger.core.identifiers import date_from_text

    try:
        date_from_text(text)
    except ValueError:
        return False
    return True
