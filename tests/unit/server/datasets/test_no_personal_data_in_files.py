"""Property: generated personal data never reaches any byte of an anonymized file — CSV, XLSX, SPSS.

Questionnaire tables are generated with names, PINs, phones and e-mails in the identifier
fields and inside the free text; they are anonymized and written in every format as the
server writes them; then every byte is searched: the CSV, each part inside the XLSX zip,
the SPSS file as stored and as pyreadstat reads it back (long strings are split into
segments on disk, so the values are also checked whole).
"""
from __future__ import annotations

import io
import zipfile

import pyreadstat
from hypothesis import HealthCheck, given, settings, strategies as st

from anonymizer import Policy, Scrubber, TableAnonymizer
from server.datasets import Variable
from server.datasets.csvs import write_csv
from server.datasets.sav import write_sav
from server.datasets.workbooks import Sheet, write_xlsx
from server.services.dataset_tables import NUMERIC_TYPES, typed
from tests.support.kyrgyz_people import QUESTIONNAIRE, full_names, leaks, questionnaire_rows

KEY = b"k" * 32
IDENTIFIERS = slice(1, 7)    # full name, PIN, phone, e-mail, participant code, school code


def _files(rows: list[list], roster: list[str], tmp_path) -> dict[str, str]:
    worker = TableAnonymizer("student_questionnaire", QUESTIONNAIRE, Policy(k=2, suppression_limit=1.0), KEY,
                             Scrubber(roster))
    for row in rows:
        worker.observe(row)
    worker.decide()
    columns = worker.output_columns()
    variables = [Variable(c.name, {"ky": c.name, "ru": c.name},
                          numeric=c.source.type in NUMERIC_TYPES and not c.treatment.startswith("generalized"),
                          treatment=c.treatment) for c in columns]
    published = [typed(variables, out) for out in (worker.transform(r) for r in rows) if out is not None]
    widths = {v.name: max((len(str(r[i]).encode()) for r in published if isinstance(r[i], str)), default=1)
              for i, v in enumerate(variables)}
    csv_file, xlsx_file = io.BytesIO(), io.BytesIO()
    write_csv(csv_file, variables, published)
    write_xlsx(xlsx_file, [Sheet("main", variables, published)], "ru")
    sav_path = tmp_path / "main.sav"
    with open(sav_path, "wb") as sav_file:
        write_sav(sav_file, variables, published, widths, language="ru", file_label="Анкета")
    texts = {"csv": csv_file.getvalue().decode("utf-8-sig"), "sav bytes": sav_path.read_bytes().decode("utf-8", "replace")}
    with zipfile.ZipFile(io.BytesIO(xlsx_file.getvalue())) as workbook:
        texts |= {f"xlsx {name}": workbook.read(name).decode("utf-8") for name in workbook.namelist()}
    frame, meta = pyreadstat.read_sav(str(sav_path))
    texts["sav values"] = "\n".join(str(v) for v in frame.to_numpy().ravel()) + "\n".join(meta.column_names)
    return texts


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(st.data(), st.lists(full_names(), max_size=3), st.integers(2, 12))
def test_no_generated_personal_data_in_any_byte_of_the_csv_xlsx_or_spss_file(tmp_path, data, roster, size):
    drawn = [data.draw(questionnaire_rows(roster)) for _ in range(size)]
    files = _files([row for row, _ in drawn], roster, tmp_path)
    for row, mentions in drawn:
        for where, text in files.items():
            for mention in mentions:
                assert leaks(mention, text) == [], (where, mention.written)
            for value in row[IDENTIFIERS] + row[-1:]:
                assert value.lower() not in text.lower(), (where, value)
