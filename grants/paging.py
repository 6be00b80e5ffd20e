"""Long lists a page at a time, read leniently from the address: what every paginated page shares.

A page number that is not a positive whole number shows the first page and one past the end the last, never an
error. A page of rows is a `Page`; the `pagination` macro (templates/_macros/forms.html) reads its page, pages,
has_prev/has_next and prev_num/next_num, as it reads Flask-SQLAlchemy's own Pagination.
"""
from dataclasses import dataclass, field

PAGE_SIZE = 50
MAX_PAGE = 100_000   # a larger number shows the last page rather than asking the database for a huge offset
MAX_ID = 2**31 - 1   # the largest id an INTEGER column holds


def small_int(value) -> int | None:
    """A positive id or number from a query string, or None for anything else (never an overflow in SQL)."""
    value = str(value or "").strip()
    if not value.isascii() or not value.isdigit():
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def requested_page(args) -> int:
    """The page the address asks for (`?page=N`): 1 unless N is a whole number, at most MAX_PAGE (so however many
    digits it has, a number past the end shows the last page)."""
    value = str(args.get("page") or "").strip()
    if not (value.isascii() and value.isdigit()):
        return 1
    return MAX_PAGE if len(value) > len(str(MAX_PAGE)) else max(1, min(int(value), MAX_PAGE))


def page_count(total: int, per_page: int = PAGE_SIZE) -> int:
    return max(1, -(-total // per_page))


def clamp(page: int, total: int, per_page: int = PAGE_SIZE) -> int:
    """The page to show when `page` was asked for and `total` rows exist: past the end is the last page."""
    return max(1, min(page, page_count(total, per_page)))


def page_of(position: int, per_page: int = PAGE_SIZE) -> int:
    """The page that shows the row at `position` (from 1)."""
    return (position - 1) // per_page + 1


@dataclass
class Page:
    """One page of `total` rows, `per_page` at a time; `counts` holds the count of each filter when a list has them."""

    items: list
    page: int
    total: int
    per_page: int = PAGE_SIZE
    counts: dict = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return page_count(self.total, self.per_page)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def next_num(self) -> int:
        return self.page + 1
