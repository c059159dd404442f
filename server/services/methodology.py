"""The methodology note of a handover package, in Kyrgyz and Russian: what was collected and how it was anonymized.

Generated from what Sapat knows: the cycle, each instrument's version and number of
submissions, the tables and rows handed over, the anonymization policy and what it
reached. The sample design (issue 7) is described here once Sapat holds the sample.
"""
from __future__ import annotations

from anonymizer import CODE_VERSION, Policy

from ..storage.forms import Form
from ..storage.projects import Project

STAGES = {"pilot": ("пилоттук", "пилотный"), "main": ("негизги", "основной")}


def methodology_text(project: Project, forms: list[Form], summaries: list[dict], policy: Policy) -> str:
    counts = {s["form"]: s["submissions"] for s in summaries}
    stage_ky, stage_ru = STAGES.get(project.stage, (project.stage, project.stage))
    lines = [f"# {project.name}", "",
             f"Мониторингдин цикли / Цикл мониторинга: {project.year}, {stage_ky} / {stage_ru} этап.", "",
             "## Инструменттер / Инструменты", "",
             "| form_id | аталышы / название | версия | анкеталар / анкет |", "| --- | --- | --- | --- |"]
    for form in forms:
        lines.append(f"| `{form.xml_form_id}` | {form.current_def.title} | {form.current_def.version} | "
                     f"{counts.get(form.xml_form_id, 0)} |")
    lines += ["", "## Маалымат топтомдору / Наборы данных", ""]
    for summary in summaries:
        rows = ", ".join(f"{table}: {n}" for table, n in summary["rows"].items())
        lines.append(f"- `{summary['form']}` — {rows}")
    lines += ["", "## Тандоо / Выборка", "",
              "Тандоонун дизайны бул циклде Sapatта катталган эмес; салмактар (weights) жок.",
              "Дизайн выборки в этом цикле в Sapat не записан; весов (weights) в наборах нет.", "",
              "## Анонимдештирүү / Обезличивание", "",
              f"- Код / код: `{CODE_VERSION}`; саясат / политика: `{policy.digest}`"
              + (f" ({policy.reviewed_by}, {policy.reviewed_on})" if policy.reviewed_by else " (по умолчанию)"),
              f"- k = {policy.k}; басып калуу чеги / предел подавления: {policy.suppression_limit:.0%}; "
              f"псевдонимдер / псевдонимы: {policy.pseudonyms}",
              "- Түз идентификаторлор (аты-жөнү, ПИН, телефон, GPS, сүрөттөр, түзмөк маалыматы) алынып салынган. "
              "Прямые идентификаторы (ФИО, ПИН, телефоны, GPS, фото, данные устройства) удалены.",
              "- Катышуучулардын, мектептердин жана кызматкерлердин коддору ачкычтуу псевдонимдер менен "
              "алмаштырылган (HMAC-SHA-256; ачкыч серверден чыкпайт). Коды участников, школ и сотрудников "
              "заменены ключевыми псевдонимами (HMAC-SHA-256; ключ не покидает сервер).",
              "- Квази-идентификаторлор жалпыланган (даталар — айга же жылга, сандар — интервалдарга, сейрек "
              "категориялар — «other»), андан кийин k-анонимдүүлүк үчүн жергиликтүү басылган (Datafly). "
              "Квази-идентификаторы обобщены (даты — до месяца или года, числа — до интервалов, редкие "
              "категории — в «other»), затем локально подавлены до k-анонимности (Datafly).",
              "- Эркин тексттен ПИН, телефондор, e-mail, коддор жана аты-жөндөр тазаланган. Из свободного текста "
              "удалены ПИН, телефоны, e-mail, коды и имена.",
              "- Саптардын тартиби псевдонимдер боюнча; келген тартиби жана индекси берилбейт. Порядок строк — "
              "по псевдонимам; порядок поступления и индексы не передаются.",
              "- Ар бир таблица үчүн тобокелдик отчёту: `disclosure-risk.json`. Отчёт о риске раскрытия по "
              "каждой таблице: `disclosure-risk.json`.", ""]
    return "\n".join(lines)
