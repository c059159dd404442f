"""pyodk's ``submissions.get_table`` (ODK's own client) reading Sapat's OData feed, page by page."""
from __future__ import annotations

import pytest
from pyodk.errors import PyODKError

from tests.integration.test_odata import INSPECTION, inspection_xml
from tests.support.central import pyodk_client
from tests.support.staff import PASSWORD
from tests.support.submissions import post_submission


@pytest.fixture
def analyst(world, live_server, tmp_path):
    """A project with the inspection form and six submissions; pyodk signed in as a granted analyst."""
    project_id = world.project()
    world.publish(project_id, INSPECTION)
    _, token = world.app_user(project_id, forms=["inspection"])
    collect = world.collect_base(live_server, project_id, token)
    sent = []
    for rooms in range(6):
        xml, instance_id = inspection_xml(rooms, [("Айбек", "мастер", ["2026-03-02"])] * (rooms % 2 + 1))
        assert post_submission(collect, xml).status_code == 201
        sent.append(instance_id)
    user_id = world.admin("analyst@example.kg", PASSWORD, "analyst")
    world.grant(user_id, project_id)
    client = pyodk_client(tmp_path / "pyodk", live_server, "analyst@example.kg", PASSWORD, project_id)
    yield client, sent
    client.close()


def all_pages(client, first: dict) -> list[dict]:
    rows, page = list(first["value"]), first
    while "@odata.nextLink" in page:
        response = client.session.get(page["@odata.nextLink"])
        assert response.status_code == 200, response.text
        page = response.json()
        rows += page["value"]
    return rows


def test_get_table_pages_filters_counts_and_expands_like_central(analyst):
    client, sent = analyst
    first = client.submissions.get_table(form_id="inspection", filter="rooms ge 2", top=2, count=True)
    assert first["@odata.count"] == 4 and len(first["value"]) == 2
    assert [r["__id"] for r in all_pages(client, first)] == sent[:1:-1]

    skipped = client.submissions.get_table(form_id="inspection", skip=4, count=True)
    assert [r["__id"] for r in skipped["value"]] == sent[1::-1] and skipped["@odata.count"] == 6

    expanded = client.submissions.get_table(form_id="inspection", top=3, expand="*")
    rows = all_pages(client, expanded)
    assert [len(r["staff"]) for r in rows] == [2, 1, 2, 1, 2, 1]
    assert all(r["school"] is None for r in rows)  # personal, masked for an analyst

    selected = client.submissions.get_table(form_id="inspection", select="__id,rooms,visit/score")
    assert selected["value"][0] == {"__id": sent[-1], "rooms": 5, "visit": {"score": 2.5}}

    staff = client.submissions.get_table(form_id="inspection", table_name="Submissions.staff", top=4,
                                         filter="$root/Submissions/rooms lt 4")
    assert [r["__Submissions-id"] for r in all_pages(client, staff)] == [
        sent[3], sent[3], sent[2], sent[1], sent[1], sent[0]]


def test_a_filter_on_personal_data_is_refused_through_pyodk(analyst):
    client, _ = analyst
    with pytest.raises(PyODKError, match="400.61"):
        client.submissions.get_table(form_id="inspection", filter="school eq 'S-001'")
