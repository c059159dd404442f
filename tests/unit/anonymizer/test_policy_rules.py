"""What happens to each column: derived from its class, overridden by a reviewed policy file."""
from __future__ import annotations

import pytest

from anonymizer import Column, Policy, PolicyError, Scrubber, TableAnonymizer, load_policy

REVIEWED = 'reviewed_by = "Data protection officer, contractor"\nreviewed_on = 2026-11-30\n'
COLUMNS = [
    Column("respondent-full_name", "respondent/full_name", "string", "direct_identifier"),
    Column("participant_code", "participant_code", "string", "linking_identifier"),
    Column("background-region", "background/region", "select1", "quasi_identifier"),
    Column("health-disability", "health/disability", "select1", "sensitive"),
    Column("comment", "comment", "string", "free_text"),
    Column("satisfaction", "satisfaction", "int", "none"),
    Column("background-note", "background/note", "string", None),
]


def test_each_class_gets_its_default_action():
    rules = Policy().rules_for("student_questionnaire", COLUMNS)
    assert {name: rule.action for name, rule in rules.items()} == {
        "respondent-full_name": "drop", "participant_code": "pseudonymize", "background-region": "generalize",
        "health-disability": "keep", "comment": "scrub", "satisfaction": "keep", "background-note": "drop"}
    assert rules["health-disability"].sensitive and not rules["satisfaction"].sensitive
    assert rules["background-note"].reason == "unclassified"


def test_sensitive_answers_are_kept_and_their_l_diversity_is_reported():
    worker = TableAnonymizer("student_questionnaire", COLUMNS, Policy(k=2), b"key", Scrubber())
    rows = [["Айгүл Асанова", "100234-S017", "chui", "yes", "жакшы", "5", "x"],
            ["Бакыт Токтогулов", "100234-S018", "chui", "no", "жаман", "3", "y"],
            ["Шерзод Юсупов", "100234-S019", "osh", "no", None, "4", "z"],
            ["Ольга Иванова", "100234-S020", "osh", "no", "да", "4", "w"]]
    for row in rows:
        worker.observe(row)
    worker.decide()
    assert [worker.transform(r)[2] for r in rows] == ["yes", "no", "no", "no"]
    assert worker.risk_report()["l_diversity"] == {"health-disability": 1}     # osh: only "no"
    assert [c.name for c, _ in worker.dropped_columns()] == ["respondent-full_name", "background-note"]


@pytest.mark.parametrize("odk_type", ["deviceid", "phonenumber", "username", "photo", "image", "audio", "email",
                                      "subscriberid", "simserial", "audit", "file"])
@pytest.mark.parametrize("classification", ["none", "quasi_identifier", "free_text", "sensitive", None])
def test_device_metadata_and_files_are_dropped_whatever_their_class(odk_type, classification):
    rule = Policy().rules_for("f", [Column("x", "meta/x", odk_type, classification)])["x"]
    assert (rule.action, rule.reason) == ("drop", f"type {odk_type}")


def test_the_instance_name_is_dropped_and_the_instance_id_pseudonymized():
    rules = Policy().rules_for("f", [Column("meta-instanceName", "meta/instanceName", "string", "none"),
                                     Column("meta-instanceID", "meta/instanceID", "string", None)])
    assert rules["meta-instanceName"].action == "drop"
    assert rules["meta-instanceID"].action == "pseudonymize"


def test_overrides_from_a_reviewed_file_take_effect():
    policy = load_policy((REVIEWED + '''
k = 3
suppression_limit = 0.1
pseudonyms = "panel"

[forms.student_questionnaire.fields."background/specialty"]
action = "generalize"
groups = { metalwork = ["welder", "turner"], food = ["cook", "baker"] }

[forms.student_questionnaire.fields.age]
bands = [2, 20]

[forms.student_questionnaire.fields.comment]
action = "drop"

[forms.student_questionnaire.fields."background/note"]
action = "keep"

[forms.other_form.fields.comment]
action = "keep"
''').encode())
    assert (policy.k, policy.suppression_limit, policy.pseudonyms) == (3, 0.1, "panel")
    assert (policy.reviewed_by, policy.reviewed_on) == ("Data protection officer, contractor", "2026-11-30")
    assert len(policy.digest) == 64
    columns = COLUMNS + [Column("background-specialty", "background/specialty", "select1", "none"),
                         Column("age", "age", "int", "quasi_identifier")]
    rules = policy.rules_for("student_questionnaire", columns)
    assert rules["background-specialty"].action == "generalize"
    assert rules["background-specialty"].groups == {"metalwork": ("welder", "turner"), "food": ("cook", "baker")}
    assert (rules["age"].action, rules["age"].bands) == ("generalize", (2, 20))
    assert rules["comment"].action == "drop" and rules["background-note"].action == "keep"
    assert rules["comment"].reason == "policy file"

    # Datafly on k = 3, no suppression: age (6 values) climbs first, to bands of 2; then specialty (4 values,
    # more than age's 3 bands) to the policy's groups, where every class holds 3 or 4 records.
    worker = TableAnonymizer("student_questionnaire", columns, policy, b"key", Scrubber())
    answers = [("welder", "14"), ("turner", "15"), ("welder", "15"), ("turner", "16"), ("welder", "17"),
               ("turner", "17"), ("cook", "18"), ("baker", "19"), ("cook", "19"), ("baker", "18")]
    rows = [[None, "c", "chui", "no", "x", "4", "n", s, a] for s, a in answers]
    for row in rows:
        worker.observe(row)
    worker.decide()
    names = [c.name for c in worker.output_columns()]
    out = [worker.transform(r) for r in rows]
    assert "comment" not in names and "background-note" in names
    assert [(r[names.index("background-specialty")], r[names.index("age")]) for r in out] == \
        [("metalwork", "14-15")] * 3 + [("metalwork", "16-17")] * 3 + [("food", "18-19")] * 4
    assert worker.risk_report()["generalization_levels"] == {
        "background-region": "exact", "background-specialty": "policy groups", "age": "bands of 2"}


@pytest.mark.parametrize("text, names", [
    ('reviewed_on = 2026-11-30\n', "reviewed_by"),
    ('reviewed_by = "DPO"\n', "reviewed_on"),
    ('reviewed_by = ""\nreviewed_on = 2026-11-30\n', "reviewed_by"),
    (REVIEWED + "k = 1\n", "'k'"),
    (REVIEWED + "k = true\n", "'k'"),
    (REVIEWED + "suppression_limit = 1.5\n", "suppression_limit"),
    (REVIEWED + 'pseudonyms = "forever"\n', "pseudonyms"),
    (REVIEWED + '[forms.f.fields.comment]\naction = "publish"\n', "forms.f.fields.comment"),
    (REVIEWED + '[forms.f.fields.comment]\naction = "publish"\n', "publish"),
    (REVIEWED + '[forms.f.fields.comment]\nactoin = "drop"\n', "actoin"),
    (REVIEWED + '[forms.f.fields.age]\nbands = [5, -1]\n', "forms.f.fields.age"),
    (REVIEWED + '[forms.f.fields.region]\ngroups = { north = "chui" }\n', "forms.f.fields.region"),
    (REVIEWED + 'suppresion_limit = 0.5\n', "suppresion_limit"),
    (REVIEWED + 'k_anonymity = 10\n', "k_anonymity"),
    (REVIEWED + '[forms.f.field.comment]\naction = "drop"\n', "forms.f"),
    (REVIEWED + 'forms = "all"\n', "forms"),
    (REVIEWED + 'k = ', "not valid TOML"),
])
def test_a_wrong_policy_file_raises_a_policy_error_naming_the_entry(text, names):
    with pytest.raises(PolicyError) as raised:
        load_policy(text.encode())
    assert names in str(raised.value)


SCHOOLED = [Column("school_code", "school_code", "string", "linking_identifier"),
            Column("background-sex", "background/sex", "select1", "quasi_identifier"),
            Column("KEY", "KEY", "string", "linking_identifier")]


def _published(policy: Policy, rows: list[list[str]]) -> tuple[list, list]:
    worker = TableAnonymizer("student_questionnaire", SCHOOLED, policy, b"k" * 32, Scrubber())
    for row in rows:
        worker.observe(row)
    worker.decide()
    return [worker.transform(row) for row in rows], worker.output_columns()


def test_a_small_school_is_merged_so_its_few_students_are_not_told_apart():
    rows = ([["100001", "f", f"uuid:a{i}"] for i in range(6)] + [["100002", "f", f"uuid:b{i}"] for i in range(5)]
            + [["100003", "f", f"uuid:c{i}"] for i in range(2)] + [["100004", "f", f"uuid:d{i}"] for i in range(3)])
    out, columns = _published(Policy(k=5, suppression_limit=0.0), rows)
    assert columns[0].treatment.startswith("replaced by a keyed pseudonym, held to k")
    schools = [row[0] for row in out]
    assert schools[:11] == [schools[0]] * 6 + [schools[6]] * 5 and len(schools[0]) == 16
    assert schools[11:] == ["other"] * 5           # 2 + 3 students: one class of 5
    assert "100003" not in repr(out) and "100004" not in repr(out)


def test_the_policy_can_keep_every_school_apart_when_its_records_describe_no_person():
    rows = [["100001", "f", "uuid:a"], ["100002", "f", "uuid:b"]] * 3
    policy = load_policy((REVIEWED + "k = 2\n[forms.student_questionnaire.fields.school_code]\nquasi = false\n")
                         .encode())
    out, columns = _published(policy, rows)
    assert columns[0].treatment == "replaced by a keyed pseudonym"
    assert len({row[0] for row in out}) == 2
