"""Reading numbers people type into forms and query strings (the console, the public pages)."""
from .auth.scope import MAX_ID


def parse_int(value, low=1, high=MAX_ID):
    """An integer between ``low`` and ``high`` from a form or query field, or None.

    ``int()`` decides, not ``str.isdigit()``: that also accepts "²", and int() refuses numbers of
    thousands of digits; both are simply not a number here."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if low <= number <= high else None


def number_or_text(value):
    """A form field as a strict integer field of the API's schemas receives it: the number typed, or
    else the text itself, for the schema to refuse by name (2.5 is no number of points)."""
    number = parse_int(value, -(2**31), 2**31 - 1)
    return number if number is not None else str(value).strip()
