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
