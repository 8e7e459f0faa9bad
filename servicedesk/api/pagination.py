"""Pagination of ticket lists that stays cheap at hundreds of thousands of tickets.

A page is still addressed by number (`page`, `page_size`), with `count`, `next`, `previous`
and `results` as everywhere else in the API; but `count` stops at COUNT_CAP: it is counted in
a subquery with a LIMIT, so a list never runs COUNT(*) over the whole table, and no page
reaches further than COUNT_CAP rows into it (an OFFSET of at most COUNT_CAP). `count_exact`
says whether `count` is the real total; past the cap, narrow the list with filters.
"""

from django.core.paginator import Paginator
from django.utils.functional import cached_property

from itops.api.pagination import PageNumberPagination

COUNT_CAP = 10_000


class CappedCountPaginator(Paginator):
    count_cap = COUNT_CAP

    @cached_property
    def found(self) -> int:
        rows = self.object_list
        if hasattr(rows, "values"):
            return rows.order_by().values("pk")[: self.count_cap + 1].count()
        return len(rows)

    @cached_property
    def count(self) -> int:
        return min(self.found, self.count_cap)

    @property
    def count_exact(self) -> bool:
        return self.found <= self.count_cap


class TicketPagination(PageNumberPagination):
    django_paginator_class = CappedCountPaginator

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data["count_exact"] = self.page.paginator.count_exact
        return response

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["count"]["description"] = (
            f"How many tickets match, counted up to {COUNT_CAP}."
        )
        schema["properties"]["count_exact"] = {
            "type": "boolean",
            "description": f"False when more than {COUNT_CAP} tickets match: filter to see "
            "the rest.",
        }
        schema["properties"]["next"]["description"] = (
            "The next page's URL (null on the last page); pages end at the count cap."
        )
        schema["required"] = [*schema.get("required", []), "count_exact"]
        return schema
