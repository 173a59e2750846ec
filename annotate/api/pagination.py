from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    """Pages of 100 by default; ?page_size= up to 1,000 (a long article fits one page)."""

    page_size_query_param = "page_size"
    max_page_size = 1000
    # Pages are numbers only, as the schema says: no "last", and an empty ?page= is not page 1.
    last_page_strings = ()

    def get_page_number(self, request, paginator):
        number = super().get_page_number(request, paginator)
        if request.query_params.get(self.page_query_param) == "":
            raise NotFound(self.invalid_page_message.format(page_number="", message="That page number is empty"))
        return number

    def get_page_size(self, request):
        """Return the page size asked for, capped; refuse one that is not a whole number from 1."""
        asked = request.query_params.get(self.page_size_query_param)
        if asked is not None and not (asked.isascii() and asked.isdigit() and int(asked) > 0):
            raise ValidationError({self.page_size_query_param: ["must be a whole number from 1"]})
        return super().get_page_size(request)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["description"] = f"Results per page (default {self.page_size}, at most {self.max_page_size})."
        return parameters
