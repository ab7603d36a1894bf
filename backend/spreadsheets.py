"""What the product's spreadsheets share, read (the deputy import) or written (exports, archives)."""
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

# What Excel (and WPS, LibreOffice) read as the start of a formula when it starts a cell's text.
FORMULA_STARTS = ("=", "+", "-", "@")


def cell_value(value):
    """``value`` as a worksheet takes it: text without the control characters (NUL, bell, vertical tab…)
    that openpyxl refuses, which would fail the whole file. A citizen's words, or a name imported from
    another spreadsheet, may hold them; tabs and line breaks stay."""
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def cell(sheet, value):
    """A cell of ``sheet`` (written by ``sheet.append``) holding ``value`` as cell_value cleans it. Text
    that starts like a formula (a citizen's "=HYPERLINK(…)", a label "-1 分") stays the text it is,
    marked as text the way Excel marks a typed apostrophe: openpyxl would otherwise write "=…" as a
    formula, which runs when the file is opened, and Excel would turn the others into one on editing."""
    value = cell_value(value)
    written = WriteOnlyCell(sheet, value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        written.data_type = "s"
        written.quotePrefix = True
    return written
