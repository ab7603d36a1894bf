"""下载导入模板 as another city's clerk opens it in Excel: the phone column is text (leading zeros and long
numbers kept as typed), and the notes' examples name the deployment's own region, not the demo city's."""
import io

import openpyxl
import pytest

from backend.org import importer


@pytest.fixture
def workbook():
    return openpyxl.load_workbook(io.BytesIO(importer.template("青山县", "青山县城关联络站")))


def test_the_phone_column_is_text_in_the_example_row_and_below(workbook):
    sheet = workbook.worksheets[0]
    phone = [c.value for c in sheet[1]].index("手机号") + 1
    letter = openpyxl.utils.get_column_letter(phone)
    assert sheet.cell(row=2, column=phone).number_format == "@"
    assert sheet.column_dimensions[letter].number_format == "@"  # rows typed under the example


def test_the_notes_name_the_deployments_region_not_the_demo_city(workbook):
    notes = "\n".join(str(c.value) for row in workbook[importer.INSTRUCTIONS_SHEET].iter_rows() for c in row if c.value)
    assert "鹤城区" not in notes and "怀化市" not in notes
    assert "如“青山县”" in notes


def test_without_a_region_the_notes_use_a_neutral_name():
    book = openpyxl.load_workbook(io.BytesIO(importer.template("", "")))
    notes = "\n".join(str(c.value) for row in book[importer.INSTRUCTIONS_SHEET].iter_rows() for c in row if c.value)
    assert "鹤城区" not in notes and "如“某某区”" in notes


def test_a_region_or_station_named_like_a_formula_stays_text_in_the_example_row():
    """The example row names the administrator's own region and station, named by whoever created them."""
    book = openpyxl.load_workbook(io.BytesIO(importer.template("=1+1", "@SUM(A1)")))
    written = {c.value: c for c in book.worksheets[0][2]}
    assert [(c.data_type, c.quotePrefix) for c in (written["=1+1"], written["@SUM(A1)"])] == [("s", True)] * 2
