"""What the product's spreadsheets share, read (the deputy import) or written (exports, archives)."""
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE


def cell_value(value):
    """``value`` as a worksheet takes it: text without the control characters (NUL, bell, vertical tab…)
    that openpyxl refuses, which would fail the whole file. A citizen's words, or a name imported from
    another spreadsheet, may hold them; tabs and line breaks stay."""
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value
