"""Assignment sheets for test administrators: who in a school is to be tested or asked, by code.

A sheet lists each selected participant's code, category, specialty and year, name and
personal web link (with its QR code in the PDF, for a participant who answers on their
own phone). Names are personal data: only a data manager prints them, with a stated
purpose, and each printing is audited. Both files are built in memory (fpdf2, our
streaming XLSX writer), never in a temporary file.
"""
from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import BinaryIO

import segno
from flask import current_app
from fpdf import FPDF

from .. import problems
from ..datasets.workbooks import plain_sheet, write_xlsx
from ..storage.projects import Project
from . import audit, participants, sampling

MIN_PURPOSE = 10
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"   # Debian's fonts-dejavu-core: Cyrillic glyphs
COLUMNS = ("code", "category", "specialty", "year", "last_name", "first_name", "patronymic", "organisation",
           "web_link")
HEADINGS = {"code": "Код / Код", "category": "Категория", "specialty": "Адистик / Специальность",
            "year": "Курс", "name": "Аты-жөнү / ФИО", "web_link": "Шилтеме / Ссылка"}
CATEGORY_LABELS = {"student": "студент", "graduate": "выпускник", "teacher": "преподаватель",
                   "head": "руководитель", "employer": "работодатель"}


@dataclass
class AssignmentSheets:
    title: str                  # the monitoring cycle, on every page
    schools: int
    people: int
    rows: list[tuple]           # (school code, school name, values aligned with COLUMNS)

    def write_xlsx(self, target: BinaryIO) -> None:
        """A sheet per school, named by its code, for the school's test administrator."""
        columns = ("school_code", "school_name", *COLUMNS)
        codes = list(dict.fromkeys(code for code, _, _ in self.rows))
        write_xlsx(target, [plain_sheet(code, columns, [(c, n, *v) for c, n, v in self.rows if c == code])
                            for code in codes] or [plain_sheet("assignments", columns, [])], "ru")

    def write_pdf(self, target: BinaryIO) -> None:
        target.write(bytes(_pdf(self)))


def assignment_sheets(project: Project, school_code: str | None, purpose: str, actor: audit.Actor,
                      public_url: str) -> AssignmentSheets:
    """The sheets of one school or of every school taking part; audited with the purpose."""
    if len((purpose or "").strip()) < MIN_PURPOSE:
        raise problems.purpose_required()
    schools = sampling.taking_part(project)
    if school_code:
        schools = [s for s in schools if s.school.code == school_code]
        if not schools:
            raise problems.not_found()
    rows = []
    for school in schools:
        for person in participants.list_participants(project, school.school.code):
            details = participants.personal_details(person.person)
            link = f"{public_url.rstrip('/')}{participants.LINK_PATH}{participants.link_token(person)}"
            rows.append((school.school.code, school.school.name,
                         (person.code, CATEGORY_LABELS[person.category], person.person.specialty, person.person.year,
                          details.get("last_name"), details.get("first_name"), details.get("patronymic"),
                          details.get("organisation"), link)))
    audit.record("personal.sheets", actor, project_id=project.id, target=f"project:{project.id}",
                 purpose=purpose.strip(), school=school_code, people=len(rows))
    return AssignmentSheets(project.name, len(schools), len(rows), rows)


def _font() -> str:
    path = current_app.config.get("SAPAT_PDF_FONT") or FONT
    if not Path(path).exists():
        raise problems.installation_incomplete(f"the PDF font {path} (Debian package fonts-dejavu-core, or set "
                                               "SAPAT_PDF_FONT to a TrueType font with Cyrillic letters)")
    return path


def _pdf(sheets: AssignmentSheets) -> bytearray:
    pdf = FPDF(orientation="portrait", format="A4")
    pdf.add_font("body", fname=_font())
    pdf.set_auto_page_break(auto=True, margin=15)
    current = None
    for code, name, values in sheets.rows:
        if code != current:
            current = code
            pdf.add_page()
            pdf.set_font("body", size=13)
            pdf.multi_cell(0, 7, f"{sheets.title}\n{code} — {name}", new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("body", size=8)
            pdf.multi_cell(0, 5, "Тизме купуя: тест өткөрүүчүгө гана. Список конфиденциален: только для "
                                 "администратора тестирования.", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
        _participant(pdf, dict(zip(COLUMNS, values)))
    if not sheets.rows:
        pdf.add_page()
        pdf.set_font("body", size=12)
        pdf.cell(0, 10, "Катышуучулар тандалган эмес / Участники не выбраны")
    return pdf.output()


def _participant(pdf: FPDF, row: dict) -> None:
    """One participant: a QR code of the web link on the left, code, name and details on the right."""
    if pdf.will_page_break(30):
        pdf.add_page()
    top = pdf.get_y()
    qr = BytesIO()
    segno.make(row["web_link"], error="m").save(qr, kind="png", scale=4, border=1)
    qr.seek(0)
    pdf.image(qr, x=pdf.l_margin, y=top, w=26, h=26)
    pdf.set_xy(pdf.l_margin + 30, top)
    pdf.set_font("body", size=12)
    name = " ".join(p for p in (row["last_name"], row["first_name"], row["patronymic"], row["organisation"]) if p)
    pdf.cell(0, 7, f"{row['code']}   {name}", new_x="LEFT", new_y="NEXT")
    pdf.set_font("body", size=9)
    details = ", ".join(str(p) for p in (row["category"], row["specialty"], row["year"] and f"{row['year']} курс")
                        if p)
    pdf.cell(0, 6, details, new_x="LEFT", new_y="NEXT")
    pdf.set_font("body", size=7)
    pdf.multi_cell(0, 4, row["web_link"], new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(max(pdf.get_y(), top + 28))
