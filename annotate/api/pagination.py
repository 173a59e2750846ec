from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    """Pages of 100 by default; ?page_size= up to 1,000 (a long article fits one page)."""

    page_size_query_param = "page_size"
    max_page_size = 1000
