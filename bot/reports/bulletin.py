"""The 季通报 (quarterly bulletin) as a .docx (python-docx): title, period, overview figures (with first
agenda items and measures), a table per unit, the chart, the 红黑榜 and the 补学 list with due dates.

A bulletin may list every member of 10,000. python-docx builds tables cell by cell through its object
model (slow, and a large lxml tree in memory), so it only makes the skeleton here — styles, headings,
paragraphs, the picture — with a marker paragraph where each table goes; the tables are written as
WordprocessingML text straight into `word/document.xml` of the saved package (`_fill`)."""

from __future__ import annotations

import html
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from zoneinfo import ZoneInfo

from bot.i18n import t as t_html
from models.figures import EXTRA_FIGURES, Bulletin, MemberRow, Tally, UnitRow


def t(lang: str, key: str, /, **params: object) -> str:
    """Catalog text for a document: plain, not HTML."""
    return html.unescape(t_html(lang, key, **params))


CJK_FAMILY = "SimSun"  # a font every Chinese Word has; East Asian text needs it named separately
TEXT_WIDTH = 9026  # twentieths of a point between the margins: A4 with 1-inch margins
_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _esc(value: object) -> str:
    return _BAD_XML.sub("", html.escape(str(value), quote=False))


def _cell(text: object) -> str:
    return f'<w:tc><w:p><w:r><w:t xml:space="preserve">{_esc(text)}</w:t></w:r></w:p></w:tc>'


def table_xml(heads: list[str], rows: Iterable[list[str]]) -> Iterator[str]:
    """A "Table Grid" table, in pieces: a bold header row repeated on each page, then a row per piece
    (one plain run per cell)."""
    col = TEXT_WIDTH // len(heads)
    yield ('<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="0" w:type="auto"/>'
           '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" w:lastColumn="0"'
           ' w:noHBand="0" w:noVBand="1"/></w:tblPr><w:tblGrid>' + f'<w:gridCol w:w="{col}"/>' * len(heads)
           + '</w:tblGrid><w:tr><w:trPr><w:tblHeader/></w:trPr>'
           + "".join(f'<w:tc><w:tcPr><w:tcW w:w="{col}" w:type="dxa"/></w:tcPr><w:p><w:r><w:rPr><w:b/></w:rPr>'
                     f'<w:t xml:space="preserve">{_esc(h)}</w:t></w:r></w:p></w:tc>' for h in heads) + "</w:tr>")
    for row in rows:
        yield "<w:tr>" + "".join(map(_cell, row)) + "</w:tr>"
    yield "</w:tbl>"


def heading_xml(text: str, level: int) -> str:
    return (f'<w:p><w:pPr><w:pStyle w:val="Heading{level}"/></w:pPr>'
            f'<w:r><w:t xml:space="preserve">{_esc(text)}</w:t></w:r></w:p>')


class _Skeleton:
    """The python-docx document, and the XML (pieces, made as they are written) each marker paragraph
    stands for."""

    def __init__(self, doc) -> None:  # noqa: ANN001 - a docx.Document
        self.doc = doc
        self.parts: dict[str, Iterable[str]] = {}

    def put(self, xml: Iterable[str]) -> None:
        marker = f"@@wuxue-{len(self.parts)}@@"
        self.doc.add_paragraph(marker)
        self.parts[marker] = xml

    def table(self, heads: list[str], rows: list[list[str]]) -> None:
        self.put(table_xml(heads, rows))

    def save(self) -> bytes:
        out = io.BytesIO()
        self.doc.save(out)
        return _fill(out.getvalue(), self.parts)


def _fill(package: bytes, parts: dict[str, Iterable[str]]) -> bytes:
    """The package with each marker paragraph of word/document.xml replaced by its XML, streamed into
    the new package piece by piece (a bulletin of 10,000 members never sits in memory as one text)."""
    src = zipfile.ZipFile(io.BytesIO(package))
    body = src.read("word/document.xml").decode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != "word/document.xml":
                dst.writestr(info, src.read(info.filename))
                continue
            info.compress_type = zipfile.ZIP_DEFLATED
            with dst.open(info, "w") as fh:
                at = 0
                for marker, xml in parts.items():
                    para = f"<w:p><w:r><w:t>{marker}</w:t></w:r></w:p>"
                    found = body.index(para, at)
                    fh.write(body[at:found].encode())
                    buffer: list[str] = []
                    for piece in xml:
                        buffer.append(piece)
                        if len(buffer) >= 200:
                            fh.write("".join(buffer).encode())
                            buffer.clear()
                    fh.write("".join(buffer).encode())
                    at = found + len(para)
                fh.write(body[at:].encode())
    return out.getvalue()


def _figures(lang: str, tl: Tally) -> list[str]:
    return [str(tl.expected), str(tl.attended), str(tl.absent), f"{tl.rate}%", f"{tl.minutes / 60:.1f}",
            f"{tl.study_rate}%", str(tl.written), str(tl.excellent), str(tl.makeup_open)]


def _heads(lang: str) -> list[str]:
    return [t(lang, f"sv.col.{k}") for k in ("expected", "attended", "absent", "rate", "hours", "study_rate",
                                             "written", "excellent", "makeup_open")]


def document(lang: str, b: Bulletin, title: str, period: str, chart: bytes) -> bytes:
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Inches, Mm, Pt

    rep = b.report
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Inches(1)
    style = doc.styles["Normal"]
    style.font.size = Pt(10.5)
    style.font.name = CJK_FAMILY
    style.element.rPr.rFonts.set(qn("w:eastAsia"), CJK_FAMILY)
    sk = _Skeleton(doc)
    doc.add_heading(title, level=0)
    doc.add_paragraph(t(lang, "bulletin.period", period=period, first=rep.period.start.isoformat(),
                        last=rep.period.end.isoformat()))

    doc.add_heading(t(lang, "bulletin.overview"), level=1)
    total = rep.total
    top = [total, *(u for u in rep.units if u.depth == 1)]
    sk.table([t(lang, "sv.col.unit"), t(lang, "sv.col.members"), t(lang, "sv.col.sessions"), *_heads(lang)],
             [[u.unit.name, str(u.members), str(u.sessions), *_figures(lang, u.tally)] for u in top])
    extras = [e.name for e in EXTRA_FIGURES]
    if extras:  # first agenda items studied, follow-ups, measures
        doc.add_paragraph(t(lang, "bulletin.agenda"))
        sk.table([t(lang, "sv.col.unit"), *(t(lang, f"fig.{name}") for name in extras)],
                 [[u.unit.name, *(str(u.tally.extra.get(name, 0)) for name in extras)] for u in top])

    doc.add_heading(t(lang, "bulletin.units"), level=1)
    by_unit: dict[int, list[MemberRow]] = {}
    for m in rep.members:
        if m.active:
            by_unit.setdefault(m.unit_id, []).append(m)
    heads = [t(lang, "sv.col.name"), *_heads(lang)]
    sk.put(piece for u in rep.units if u.unit.id in by_unit
           for piece in (heading_xml(u.unit.name, 2),
                         *table_xml(heads, ([m.name, *_figures(lang, m.tally)] for m in by_unit[u.unit.id])))
           )

    doc.add_heading(t(lang, "bulletin.chart"), level=1)
    doc.add_picture(io.BytesIO(chart), width=Inches(6.2))

    names = {u.unit.id: u for u in rep.units}
    doc.add_heading(t(lang, "bulletin.red"), level=1)
    _honours(sk, lang, b.best_units, b.best_members, names, "bulletin.none_red")
    doc.add_heading(t(lang, "bulletin.black"), level=1)
    _honours(sk, lang, b.short_units, b.short_members, names, "bulletin.none_black")

    doc.add_heading(t(lang, "bulletin.makeups"), level=1)
    zone = ZoneInfo(rep.root.timezone)
    if b.ordered:
        doc.add_paragraph(t(lang, "bulletin.ordered", n=len(b.ordered),
                            due=b.ordered_due.astimezone(zone).date().isoformat()))
    if b.makeups:
        sk.table([t(lang, "sv.col.unit"), t(lang, "sv.col.name"), t(lang, "sv.col.topic"), t(lang, "sv.col.due")],
                 ([unit, name, topic, due.astimezone(zone).date().isoformat()] for unit, name, topic, due in b.makeups))
    else:
        doc.add_paragraph(t(lang, "bulletin.no_makeups"))
    return sk.save()


def _honours(sk: _Skeleton, lang: str, units: list[UnitRow], members: list[MemberRow], by_id: dict[int, UnitRow],
             none_key: str) -> None:
    if not units and not members:
        sk.doc.add_paragraph(t(lang, none_key))
        return
    for u in units:
        sk.doc.add_paragraph(t(lang, "bulletin.unit_line", unit=u.unit.name, rate=u.tally.rate,
                               study_rate=u.tally.study_rate), style="List Bullet")
    if members:  # a table: the list may hold many members
        sk.table([t(lang, "sv.col.name"), t(lang, "sv.col.unit"), t(lang, "sv.col.rate"), t(lang, "sv.col.absent"),
                  t(lang, "sv.col.study_rate"), t(lang, "sv.col.excellent")],
                 ([m.name, by_id[m.unit_id].unit.name, f"{m.tally.rate}%", str(m.tally.absent),
                   f"{m.tally.study_rate}%", str(m.tally.excellent)] for m in members))
