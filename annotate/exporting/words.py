"""Say codebook values in words an editor reads: attribute names and values, counts, lists.

Codebook attribute values are keys ("government_foreign"); a few of the
default codebook's are given a phrase here, and any other key is read with
its underscores as spaces, so a project's own values still read.
"""

PHRASES = {
    "government_own": "the outlet's own government",
    "government_foreign": "a foreign government",
    "state_media": "state media",
    "independent_media": "independent media",
    "intergovernmental": "an intergovernmental body",
    "ngo": "an NGO",
    "affected_person": "people affected",
    "named_individual": "named person",
    "unnamed_individual": "unnamed person",
    "named_group": "named group",
    "unnamed_group": "unnamed group",
    "direct_quote": "direct quote",
    "allusion_no_content": "allusion without content",
    "document_or_data": "document or data",
    "us_government": "U.S. government",
    "venezuelan_opposition": "Venezuelan opposition",
    "domestic_critics_iran": "domestic critics in Iran",
    "quoted_source": "quoted source",
}
NUMBERS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def value_words(value) -> str:
    """Return an attribute value in words."""
    if isinstance(value, list | tuple):
        return ", ".join(value_words(item) for item in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    return PHRASES.get(text, text.replace("_", " "))


def attribute_words(attributes: dict, names: dict[str, str], skip=()) -> str:
    """Return attributes as "Name: value; Name: value", named from the codebook where it names them."""
    return "; ".join(
        f"{names.get(key, key.replace('_', ' '))}: {value_words(value)}"
        for key, value in attributes.items()
        if key not in skip and value not in ("", None, [])
    )


def number(n: int) -> str:
    """Return small counts as words, as prose does."""
    return NUMBERS[n] if 0 <= n < len(NUMBERS) else str(n)


def plural(n: int, one: str, many: str | None = None) -> str:
    """Return "1 source" or "3 sources"."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


def listing(items: list[str]) -> str:
    """Return "a", "a and b" or "a, b and c"."""
    items = [item for item in items if item]
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def share(n: int, total: int) -> str:
    """Return n/total as a whole percentage."""
    return f"{round(100 * n / total)}%" if total else "0%"
