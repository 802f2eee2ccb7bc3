"""The PDF a reviewer downloads: Chinese text set in an embedded font, extractable, paginated with
the print stylesheet, and nothing fetched from outside while rendering."""

from __future__ import annotations

import io
import socket
import threading

import pytest

from smecredit.kernel import pdf
from smecredit.kernel.errors import Unavailable

pypdf = pytest.importorskip("pypdf")

needs_pdf = pytest.mark.skipif(not pdf.available(), reason=(
    f"PDF rendering needs WeasyPrint's system libraries and Noto CJK: apt-get install {pdf.SYSTEM_PACKAGES} "
    "(make system-packages does this as root)"))

ROWS = "".join(f"<tr><td>杭州青禾食品有限公司 第{i}笔</td><td class='num'>{i},000.00</td></tr>" for i in range(90))
HTML = f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>风险评估报告</title></head>
<body><h1 class="print-title">风险评估报告</h1><p class="print-note">生成时间 2025-03-01 10:00</p>
<p>授信敞口合计：人民币壹佰万元整 (1,000,000.00 元)</p>
<table><thead><tr><th>企业名称</th><th class="num">金额（元）</th></tr></thead><tbody>{ROWS}</tbody></table>
</body></html>"""


def _reader(data: bytes):
    return pypdf.PdfReader(io.BytesIO(data))


def _fonts(reader) -> dict[str, set[str]]:
    """Every font the pages use → the FontFile keys of its descriptors (empty: not embedded)."""
    fonts: dict[str, set[str]] = {}
    for page in reader.pages:
        for ref in page["/Resources"].get("/Font", {}).values():
            font = ref.get_object()
            keys = fonts.setdefault(str(font.get("/BaseFont")), set())
            for each in [d.get_object() for d in font.get("/DescendantFonts", [])] or [font]:
                descriptor = each.get("/FontDescriptor")
                if descriptor is not None:
                    keys |= {k for k in ("/FontFile", "/FontFile2", "/FontFile3") if k in descriptor.get_object()}
    return fonts


@needs_pdf
def test_chinese_text_can_be_extracted_from_the_pdf():
    reader = _reader(pdf.render_pdf(HTML))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "风险评估报告" in text
    assert "杭州青禾食品有限公司 第89笔" in text
    assert "人民币壹佰万元整" in text


@needs_pdf
def test_the_chinese_font_is_embedded_not_referenced():
    reader = _reader(pdf.render_pdf(HTML))
    fonts = _fonts(reader)
    assert any("Noto-Sans-CJK-SC" in name for name in fonts), fonts
    # every font the pages use is embedded: none is left for the reader's machine to substitute
    assert all(keys & {"/FontFile2", "/FontFile3"} for keys in fonts.values()), fonts


@needs_pdf
def test_long_tables_run_over_pages_with_header_and_page_numbers():
    reader = _reader(pdf.render_pdf(HTML))
    assert len(reader.pages) >= 2
    last = reader.pages[-1].extract_text()
    assert "机密" in last and "Confidential" in last
    assert f"第 {len(reader.pages)} 页 / 共 {len(reader.pages)} 页" in last
    assert "企业名称" in reader.pages[1].extract_text(), "the table header repeats on the next page"
    assert reader.pages[0].mediabox.width == pytest.approx(595.3, abs=1)   # A4 in points
    assert reader.pages[0].mediabox.height == pytest.approx(841.9, abs=1)


@needs_pdf
def test_rendering_fetches_nothing_from_the_network():
    hits = []
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.settimeout(5)
    port = server.getsockname()[1]

    def accept():
        try:
            conn, _ = server.accept()
            hits.append(conn)
            conn.close()
        except OSError:
            pass

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    html = (f'<html><head><link rel="stylesheet" href="http://127.0.0.1:{port}/x.css"></head><body>'
            f'<p>外部资源</p><img src="http://127.0.0.1:{port}/x.png"></body></html>')
    data = pdf.render_pdf(html, base_url=f"http://127.0.0.1:{port}/")
    server.close()
    thread.join(2)
    assert hits == []
    assert "外部资源" in _reader(data).pages[0].extract_text()


def test_missing_fonts_is_said_not_a_crash(monkeypatch):
    monkeypatch.setattr(pdf, "cjk_font_files", lambda: ())
    with pytest.raises(Unavailable) as raised:
        pdf.render_pdf(HTML)
    assert raised.value.code == "pdf_unavailable"
    assert "fonts-noto-cjk" in raised.value.details["packages"]
    assert "中文字体" in raised.value.message.zh
