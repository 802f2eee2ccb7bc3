"""File names are cleaned: no paths, no control or bidi characters, no reserved device names,
capped in length, Chinese kept, and the extension matches the content (pure)."""

from __future__ import annotations

import pytest

from smecredit.documents.filenames import MAX_CHARS, clean

PDF = (".pdf",)


@pytest.mark.parametrize("given, expected", [
    ("营业执照.pdf", "营业执照.pdf"),
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("C:\\Users\\张三\\Desktop\\报表 2026.pdf", "报表 2026.pdf"),
    ("/abs/path/a.pdf", "a.pdf"),
    ("invoice\u202efdp.exe", "invoicefdp.exe.pdf"),  # right-to-left override gone; type from content
    ("zero\u200bwidth\u2066.pdf", "zerowidth.pdf"),
    ("new\r\nline\x00.pdf", "newline.pdf"),
    ("CON.pdf", "_CON.pdf"),
    ("nul", "_nul.pdf"),
    ("com1.tar.pdf", "_com1.tar.pdf"),
    ("a<b>c:d\"e|f?g*.pdf", "a_b_c_d_e_f_g_.pdf"),
    ("...", "file.pdf"),
    ("", "file.pdf"),
    (None, "file.pdf"),
    ("  .hidden.pdf  ", "hidden.pdf"),
    ("scan.PDF", "scan.PDF"),
    ("photo.jpeg", "photo.jpeg.pdf"),
])
def test_names_are_cleaned(given, expected):
    assert clean(given, PDF) == expected


def test_long_names_are_capped_keeping_the_extension():
    name = clean("申请材料" * 100 + ".pdf", PDF)
    assert len(name) == MAX_CHARS and name.endswith(".pdf") and name.startswith("申请材料")
    assert len(clean("x" * 500, ())) == MAX_CHARS


def test_the_first_extension_of_the_type_is_added_when_missing():
    assert clean("照片", (".jpg", ".jpeg")) == "照片.jpg"
    assert clean("照片.JPEG", (".jpg", ".jpeg")) == "照片.JPEG"
    assert clean("表.xlsx", ()) == "表.xlsx"
