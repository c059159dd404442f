"""The same policy, data and key give the same output; another key other pseudonyms; one key links forms."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings, strategies as st

from anonymizer.hierarchies import OTHER
from anonymizer import Column, Policy, Scrubber, TableAnonymizer, pseudonym
from tests.support.kyrgyz_people import QUESTIONNAIRE, full_names, instance_ids, participant_codes, questionnaire_rows

SETTINGS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
POLICY = Policy(k=2, suppression_limit=0.5)
keys = st.binary(min_size=16, max_size=32)


def run(columns, rows, key, roster=(), form_id="student_questionnaire"):
    worker = TableAnonymizer(form_id, columns, POLICY, key, Scrubber(roster))
    for row in rows:
        worker.observe(row)
    worker.decide()
    return [worker.transform(row) for row in rows], worker.output_columns(), worker.risk_report()


@SETTINGS
@given(st.data(), st.lists(full_names(), min_size=1, max_size=3), keys)
def test_the_same_policy_data_and_key_give_identical_output(data, roster, key):
    rows = [data.draw(questionnaire_rows(roster))[0] for _ in range(data.draw(st.integers(2, 12)))]
    first = run(QUESTIONNAIRE, rows, key, roster)
    again = run(QUESTIONNAIRE, [list(r) for r in rows], bytes(key), list(roster))
    assert first == again


@SETTINGS
@given(st.data(), keys, keys)
def test_another_key_gives_other_pseudonyms_for_every_linking_identifier(data, key, other):
    rows = [data.draw(questionnaire_rows([]))[0] for _ in range(data.draw(st.integers(2, 8)))]
    if key == other:
        other = key + b"!"
    (out, columns, _), (out_other, _, _) = run(QUESTIONNAIRE, rows, key), run(QUESTIONNAIRE, rows, other)
    linking = [i for i, c in enumerate(columns) if c.rule.action == "pseudonymize"]
    assert [c.name for c in columns if c.rule.action == "pseudonymize"] == ["participant_code", "school_code", "KEY"]
    for a, b in zip(out, out_other):
        assert (a is None) == (b is None)
        if a is not None:
            # A school is also a quasi-identifier: a rare one is merged (OTHER) or suppressed under either key.
            assert all(a[i] != b[i] or a[i] in (OTHER, None) for i in linking)
            assert [v for i, v in enumerate(a) if i not in linking] == [v for i, v in enumerate(b) if i not in linking]


@SETTINGS
@given(st.lists(participant_codes(), min_size=1, max_size=10, unique=True), keys, st.data())
def test_the_same_participant_gets_the_same_pseudonym_in_two_forms_under_one_key(codes, key, data):
    student = [Column("participant_code", "participant_code", "string", "linking_identifier"),
               Column("satisfaction", "satisfaction", "int", "none")]
    test = [Column("score", "score", "int", "none"), Column("KEY", "KEY", "string", "linking_identifier"),
            Column("respondent-code", "respondent/code", "string", "linking_identifier")]
    shuffled = data.draw(st.permutations(codes))
    out_a, _, _ = run(student, [[c, "4"] for c in codes], key, form_id="student_questionnaire")
    out_b, _, _ = run(test, [["17", data.draw(instance_ids()), c] for c in shuffled], key, form_id="test_welder")
    linked = {code: row[0] for code, row in zip(codes, out_a)}
    assert {code: row[2] for code, row in zip(shuffled, out_b)} == linked
    assert all(p == pseudonym(key, code) and len(p) == 16 and p != code for code, p in linked.items())
    assert len(set(linked.values())) == len(codes)
