"""The methodology note of a handover package, in Kyrgyz and Russian: what was collected and how it was anonymized.

Generated from what Sapat knows: the cycle, each instrument's version and number of
submissions, the tables and rows handed over, the anonymization policy and what it
reached, and the sample: design, seed, strata and how each instrument was weighted.
"""
from __future__ import annotations

from anonymizer import CODE_VERSION, Policy

from ..storage.forms import Form
from ..storage.projects import Project
from ..storage.sampling import SampleDraw

STAGES = {"pilot": ("пилоттук", "пилотный"), "main": ("негизги", "основной")}


def methodology_text(project: Project, forms: list[Form], summaries: list[dict], policy: Policy,
                     draw: SampleDraw | None = None) -> str:
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
    lines += ["", "## Тандоо / Выборка", "", *_sample_lines(draw), "",
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


def _sample_lines(draw: SampleDraw | None) -> list[str]:
    if draw is None:
        return ["Тандоонун дизайны бул циклде Sapatта катталган эмес; салмактар (weights) жок.",
                "Дизайн выборки в этом цикле в Sapat не записан; весов (weights) в наборах нет."]
    design = draw.design
    lines = [f"- Катмарлар / страты: {' × '.join(design['strata'])} ({len(draw.strata)}); "
             f"ыкма / метод: {design['method']}; бөлүштүрүү / распределение: {design['allocation']}; "
             f"seed: {draw.seed}; алкак / основа: {sum(r['population'] for r in draw.strata)} "
             f"(SHA-256 `{draw.frame_digest}`).",
             f"- Тандалган окуу жайлар / отобрано учебных заведений: {sum(r['allocated'] for r in draw.strata)}; "
             f"запас / резерв: {design['reserves']} на школу. Толук тизме — `sample` баракчасы тандоо отчётунда "
             "(sapat sample report). Полный список — лист `sample` отчёта о выборке."]
    if draw.selection:
        lines.append(f"- Окуу жайдын ичинде / внутри учебного заведения: {draw.selection['method']}, "
                     f"{draw.selection['take']} (seed {draw.selection['seed']}).")
    for form, w in sorted(draw.weighting.items()):
        lines.append(f"- `{form}`: салмак / вес = 1/π × жооп бербөөгө оңдоо / поправка на неответ "
                     f"({', '.join(w['classes'])})" + (f" × {w['calibration']} ({', '.join(w['margins'])})"
                                                        if w["calibration"] != "none" else "")
                     + f"; n = {w['respondents']}, Σw = {w['sum_of_weights']:.1f}, Kish deff {w['kish_deff']:.2f}. "
                     "Тилкеси / столбец `weight`.")
    return lines
