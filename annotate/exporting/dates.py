"""Write timestamps as a reader says them: "12 June 2025, 14:05 UTC", not ISO 8601."""

from datetime import UTC, datetime

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


def readable_date(value: str | None, *, time: bool = True) -> str:
    """Return an ISO 8601 timestamp as "12 June 2025, 14:05 UTC" (or "12 June 2025"); "" for none.

    A value that does not parse is returned as it is, so a reader still sees what was stored.
    """
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    day = f"{moment.day} {MONTHS[moment.month - 1]} {moment.year}"
    return f"{day}, {moment:%H:%M} UTC" if time else day
