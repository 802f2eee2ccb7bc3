"""HTML → PDF for reports people print and file (the risk report 风险评估报告), with WeasyPrint.

Chinese text is set in Debian's Noto Sans CJK (package ``fonts-noto-cjk``), which WeasyPrint subsets
and embeds in the PDF, so the file reads the same on any machine and its text can be searched and
copied out. The system libraries WeasyPrint needs (Pango, HarfBuzz's subsetter) and the fonts are
installed by ``make system-packages`` (root with apt), which ``make run`` and ``make test`` call.

``render_pdf`` adds the print stylesheet (``print.css``: A4, a header with the document's title and
机密 / Confidential, page numbers 第 x 页 / 共 y 页, table headers repeated on every page and rows
never split) to the page's own styles. A page sets the header's title with an element of class
``print-title`` and a footer note (e.g. when it was generated) with ``print-note``.

No resource is fetched from the network or the file system: only ``data:`` URLs load (images
inlined by the template), so a document can never make the server read a URL on its behalf.
When WeasyPrint or the fonts are missing, ``Unavailable`` says which packages to install.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path

from smecredit.kernel.errors import Unavailable
from smecredit.kernel.text import Text

log = logging.getLogger(__name__)

STYLESHEET = Path(__file__).with_name("print.css")
# Where Debian's fonts-noto-cjk puts the fonts the stylesheet names ("Noto Sans CJK SC").
FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))
FONT_GLOB = "NotoSansCJK*.tt[cf]"
SYSTEM_PACKAGES = "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk"


def _unavailable(what: Text) -> Unavailable:
    return Unavailable("pdf_unavailable",
                       Text(f"暂时无法生成 PDF：{what.zh}。请管理员安装系统软件包（make system-packages）",
                            f"PDF cannot be produced now: {what.en}. An administrator installs the "
                            f"system packages (make system-packages)"),
                       details={"packages": SYSTEM_PACKAGES})


@functools.cache
def cjk_font_files() -> tuple[Path, ...]:
    """The Noto Sans CJK font files on this machine (empty when fonts-noto-cjk is not installed)."""
    found: list[Path] = []
    for folder in FONT_DIRS:
        if folder.is_dir():
            found.extend(sorted(folder.rglob(FONT_GLOB)))
    return tuple(found)


@functools.cache
def _weasyprint():
    try:
        import weasyprint
    except (ImportError, OSError) as error:  # OSError: Pango or HarfBuzz not installed
        log.error("WeasyPrint cannot load: %s (install %s)", error, SYSTEM_PACKAGES)
        return None
    return weasyprint


def available() -> bool:
    """Whether a PDF can be produced here (WeasyPrint loads and the Chinese fonts are installed)."""
    return _weasyprint() is not None and bool(cjk_font_files())


@functools.cache
def _stylesheet():
    weasyprint = _weasyprint()
    return weasyprint.CSS(string=STYLESHEET.read_text(encoding="utf-8"))


def _fetcher(weasyprint):
    return weasyprint.URLFetcher(allowed_protocols=("data",), fail_on_errors=False)


def render_pdf(html: str, base_url: str | None = None) -> bytes:
    """The PDF of an HTML document, with the print stylesheet and the Chinese fonts embedded.

    ``base_url`` resolves relative links written into the PDF (it loads nothing: see above).
    Raises ``Unavailable`` when WeasyPrint or the fonts are not installed.
    """
    weasyprint = _weasyprint()
    if weasyprint is None:
        raise _unavailable(Text("缺少 PDF 排版所需的系统库（Pango、HarfBuzz）",
                                "the system libraries for PDF layout (Pango, HarfBuzz) are missing"))
    if not cjk_font_files():
        raise _unavailable(Text("缺少中文字体（Noto Sans CJK）", "the Chinese fonts (Noto Sans CJK) are missing"))
    document = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=_fetcher(weasyprint))
    return document.write_pdf(stylesheets=[_stylesheet()])
