"""The OData feed and CSV exports over real HTTP: Central's shapes, filters, paging, masking and problems."""
from __future__ import annotations

import csv
import hashlib
import io
import uuid
import zipfile
from xml.etree import ElementTree

import pytest
import requests
from sqlalchemy import func, select

from server.storage import db
from server.storage.audit import AuditEntry
from server.storage.users import LoginAttempt
from tests.support.people import person
from tests.support.staff import PASSWORD
from tests.support.submissions import post_submission, submission_xml
from tests.support.xlsforms import photo_form, xlsform

PURPOSE = "Checking school codes against the register"  # headers are Latin-1
EDM = "{http://docs.oasis-open.org/odata/ns/edm}"
INSPECTION = xlsform([
    ("text", "school", "Мектеп", "Учебное заведение", "yes", "linking_identifier"),
    ("integer", "rooms", "Бөлмөлөр", "Кабинеты", "", "none"),
    ("begin_group", "visit", "Барыш", "Визит"),
    ("decimal", "score", "Балл", "Балл", "", "none"),
    ("geopoint", "where", "Жер", "Место", "", "quasi_identifier"),
    ("select_multiple tools", "tools", "Шаймандар", "Инструменты", "", "none"),
    ("text", "note", "Эскертүү", "Заметка", "", "free_text"),
    ("end_group", "", "", ""),
    ("begin_repeat", "staff", "Кызматкерлер", "Сотрудники"),
    ("text", "name", "Аты", "Имя", "", "direct_identifier"),
    ("text", "role", "Ролу", "Роль", "", "none"),
    ("begin_repeat", "lesson", "Сабак", "Урок"),
    ("date", "day", "Күнү", "День", "", "none"),
    ("end_repeat", "", "", ""),
    ("end_repeat", "", "", ""),
], form_id="inspection", title="Текшерүү / Проверка",
    choices=[("tools", "saw", "Араа", "Пила"), ("tools", "drill", "Бургу", "Дрель")])


def inspection_xml(rooms: int, staff: list[tuple[str, str, list[str]]], *, school: str = "S-001",
                   score: str = "2.5", tools: str = "saw drill") -> tuple[bytes, str]:
    instance_id = f"uuid:{uuid.uuid4()}"
    people = "".join(f"<staff><name>{n}</name><role>{r}</role>"
                     + "".join(f"<lesson><day>{d}</day></lesson>" for d in days) + "</staff>"
                     for n, r, days in staff)
    xml = (f'<data xmlns:orx="http://openrosa.org/xforms" id="inspection" version="1"><school>{school}</school>'
           f"<rooms>{rooms}</rooms><visit><score>{score}</score><where>42.87 74.59 760 5</where>"
           f"<tools>{tools}</tools><note>Бардыгы жакшы</note></visit>{people}"
           f"<meta><instanceID>{instance_id}</instanceID></meta></data>")
    return xml.encode(), instance_id


class Site:
    def __init__(self, world, base: str):
        self.world, self.base = world, base
        self.project_id = world.project()
        world.publish(self.project_id, INSPECTION)
        self.app_user_id, token = world.app_user(self.project_id, forms=["inspection"], name="Планшет 7")
        self.collect = world.collect_base(base, self.project_id, token)
        self.svc = f"{base}/v1/projects/{self.project_id}/forms/inspection.svc"

    def submit(self, rooms: int, staff=(), **kwargs) -> str:
        xml, instance_id = inspection_xml(rooms, list(staff), **kwargs)
        assert post_submission(self.collect, xml).status_code == 201
        return instance_id

    def user(self, role: str, grant: bool = True) -> requests.Session:
        email = f"{role}@example.kg"
        user_id = self.world.admin(email, PASSWORD, role)
        if grant:
            self.world.grant(user_id, self.project_id)
        http = requests.Session()
        token = http.post(f"{self.base}/v1/sessions", json={"email": email, "password": PASSWORD}, timeout=30)
        http.headers["Authorization"] = f"Bearer {token.json()['token']}"
        return http


@pytest.fixture
def site(world, live_server) -> Site:
    return Site(world, live_server)


def sha1(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()


def table(http, url: str, **params) -> dict:
    response = http.get(url, params=params, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def test_service_and_metadata_documents_describe_tables_groups_types_and_repeats(site):
    http = site.user("analyst")
    service = table(http, site.svc)
    assert service["@odata.context"] == f"{site.svc}/$metadata"
    assert [t["name"] for t in service["value"]] == ["Submissions", "Submissions.staff", "Submissions.staff.lesson"]

    response = http.get(f"{site.svc}/$metadata", timeout=30)
    assert response.status_code == 200 and response.headers["OData-Version"] == "4.0"
    root = ElementTree.fromstring(response.content)
    schemas = {s.get("Namespace"): s for s in root.iter(f"{EDM}Schema")}
    assert set(schemas) == {"org.opendatakit.submission", "org.opendatakit.user.inspection"}
    user = schemas["org.opendatakit.user.inspection"]
    entities = {e.get("Name"): {p.get("Name"): p.get("Type") for p in e if p.tag != f"{EDM}Key"}
                for e in user.iter(f"{EDM}EntityType")}
    base = "org.opendatakit.user.inspection"
    assert entities["Submissions"] == {
        "__id": "Edm.String", "__system": "org.opendatakit.submission.metadata", "school": "Edm.String",
        "rooms": "Edm.Int64", "visit": f"{base}.visit", "staff": f"Collection({base}.Submissions.staff)",
        "meta": f"{base}.meta"}
    assert entities["Submissions.staff"]["__Submissions-id"] == "Edm.String"
    assert entities["Submissions.staff"]["lesson"] == f"Collection({base}.Submissions.staff.lesson)"
    assert entities["Submissions.staff.lesson"] == {"__id": "Edm.String", "__Submissions-staff-id": "Edm.String",
                                                    "day": "Edm.Date"}
    visit = next(c for c in user.iter(f"{EDM}ComplexType") if c.get("Name") == "visit")
    assert {p.get("Name"): p.get("Type") for p in visit} == {
        "score": "Edm.Decimal", "where": "Edm.GeographyPoint", "tools": "Edm.String", "note": "Edm.String"}
    container = next(user.iter(f"{EDM}EntityContainer"))
    assert container.get("Name") == "inspection"
    assert [s.get("Name") for s in container] == list(entities)


def test_rows_are_typed_and_keyed_as_central_writes_them(site):
    instance_id = site.submit(4, [("Айбек", "мастер", ["2026-03-02", "2026-03-03"]), ("Нургүл", "окутуучу", [])])
    http = site.user("analyst")
    page = table(http, f"{site.svc}/Submissions")
    assert page["@odata.context"] == f"{site.svc}/$metadata#Submissions"
    [row] = page["value"]
    assert row["__id"] == instance_id and row["rooms"] == 4 and row["school"] is None  # personal: masked
    assert row["visit"] == {"score": 2.5, "tools": "saw drill", "note": None,
                            "where": {"type": "Point", "coordinates": [74.59, 42.87, 760], "properties": {"accuracy": 5}}}
    assert row["meta"] == {"instanceID": instance_id}
    assert row["staff@odata.navigationLink"] == f"Submissions('{instance_id.replace(':', '%3A')}')/staff"
    system = row["__system"]
    assert system["submitterId"] == str(site.app_user_id) and system["submitterName"] == "Планшет 7"
    assert {k: system[k] for k in ("reviewState", "status", "edits", "formVersion", "deletedAt",
                                   "attachmentsPresent", "attachmentsExpected")} == {
        "reviewState": None, "status": None, "edits": 0, "formVersion": "1", "deletedAt": None,
        "attachmentsPresent": 0, "attachmentsExpected": 0}
    assert system["submissionDate"].endswith("Z") and system["updatedAt"] is None

    staff = table(http, f"{site.svc}/Submissions.staff")["value"]
    first, second = (sha1(f"Submissions#{instance_id}%%staff#{i}") for i in (0, 1))
    assert [(r["__id"], r["__Submissions-id"], r["role"], r["name"]) for r in staff] == [
        (first, instance_id, "мастер", None), (second, instance_id, "окутуучу", None)]
    assert staff[0]["lesson@odata.navigationLink"] == (
        f"Submissions('{instance_id.replace(':', '%3A')}')/staff('{first}')/lesson")
    lessons = table(http, f"{site.svc}/Submissions.staff.lesson")["value"]
    assert [(r["__Submissions-staff-id"], r["day"]) for r in lessons] == [(first, "2026-03-02"), (first, "2026-03-03")]
    assert lessons[1]["__id"] == sha1(f"Submissions#{instance_id}%%staff#0%%lesson#1")

    expanded = table(http, f"{site.svc}/Submissions", **{"$expand": "*", "$wkt": "true"})["value"][0]
    assert [len(s["lesson"]) for s in expanded["staff"]] == [2, 0] and expanded["staff"][0]["__id"] == first
    assert expanded["visit"]["where"] == "POINT (74.59 42.87 760)"
    single = table(http, f"{site.svc}/Submissions('{instance_id}')/staff('{first}')/lesson")["value"]
    assert single == lessons
    selected = table(http, f"{site.svc}/Submissions", **{"$select": "__id,rooms,visit/score,__system/edits"})
    assert selected["value"] == [{"__id": instance_id, "rooms": 4, "visit": {"score": 2.5},
                                  "__system": {"edits": 0}}]


def test_filters_on_system_columns_and_clear_answers_run_in_sql(site):
    small = site.submit(2, [("Айбек", "мастер", [])], score="1.5")
    large = site.submit(7, [("Эрмек", "окутуучу", [])], score="4")
    http = site.user("analyst")

    def ids(expression: str, name: str = "Submissions") -> list[str]:
        rows = table(http, f"{site.svc}/{name}", **{"$filter": expression})["value"]
        return [r.get("__Submissions-id", r["__id"]) for r in rows]

    assert ids("rooms gt 3") == [large]
    assert ids("visit/score le 2 or rooms eq 7") == [large, small]
    assert ids("not (rooms eq 2) and visit/tools eq 'saw drill'") == [large]
    assert ids(f"__id eq '{small}'") == [small]
    assert ids("__system/deletedAt eq null and rooms ne 7") == [small]
    assert ids(f"__system/submitterId eq {site.app_user_id} and __system/reviewState eq null") == [large, small]
    assert ids("year(__system/submissionDate) eq year(now()) and __system/deviceId eq null") == [large, small]
    assert ids("__system/submissionDate lt 2001-01-01T00:00:00Z") == []
    assert ids("__system/submissionDate ge 2001-01-01") == [large, small]
    assert ids("$root/Submissions/rooms ge 7", "Submissions.staff") == [large]
    assert ids("$root/Submissions/__system/updatedAt eq null", "Submissions.staff") == [large, small]


@pytest.mark.parametrize("params, code", [
    ({"$filter": "rooms gt"}, 400.18),
    ({"$filter": "rooms gt 'a' and ("}, 400.18),
    ({"$filter": "length(rooms) eq 1"}, 501.4),
    ({"$filter": "visit/unknown eq 1"}, 501.5),
    ({"$filter": "school eq 'S-001'"}, 400.61),          # personal: sealed at rest
    ({"$filter": "staff/role eq 'мастер'"}, 501.5),      # inside a repeat
    ({"$search": "школа"}, 501.1),
    ({"$expand": "staff"}, 501.6),
    ({"$expand": "*", "$select": "rooms"}, 501.11),
    ({"$select": "nothing"}, 400.23),
    ({"$orderby": "rooms desc"}, 501.5),
    ({"$skiptoken": "01bm90LWpzb24="}, 400.35),
    ({"$top": "-1"}, 400.11),
])
def test_bad_options_are_central_problems_and_change_nothing(site, world, params, code):
    site.submit(3)
    http = site.user("data_manager")
    before = world.run(lambda: db.session.scalar(select(func.count(AuditEntry.id))))
    response = http.get(f"{site.svc}/Submissions", params=params, headers={"X-Sapat-Purpose": PURPOSE}, timeout=30)
    assert response.status_code == int(code) and response.json()["code"] == code, response.text
    assert world.run(lambda: db.session.scalar(select(func.count(AuditEntry.id)))) == before


def test_paging_follows_a_stable_skiptoken_while_new_submissions_arrive(site):
    first = [site.submit(n, [("Айбек", "мастер", [])]) for n in range(5)]
    http = site.user("analyst")
    page = table(http, f"{site.svc}/Submissions", **{"$top": "2", "$count": "true"})
    seen = [r["__id"] for r in page["value"]]
    assert page["@odata.count"] == 5 and seen == first[::-1][:2]
    late = [site.submit(10 + n) for n in range(2)]  # newest first: they would shift an offset, not a cursor
    while "@odata.nextLink" in page:
        page = table(http, page["@odata.nextLink"])
        seen += [r["__id"] for r in page["value"]]
    assert seen == first[::-1] and not set(late) & set(seen)
    page = table(http, f"{site.svc}/Submissions", **{"$orderby": "__system/submissionDate asc", "$top": "3"})
    oldest = [r["__id"] for r in page["value"]]
    while "@odata.nextLink" in page:
        page = table(http, page["@odata.nextLink"])
        oldest += [r["__id"] for r in page["value"]]
    assert oldest == first + late

    staff = table(http, f"{site.svc}/Submissions.staff", **{"$top": "2", "$count": "true"})
    parents = [r["__Submissions-id"] for r in staff["value"]]
    site.submit(20, [("Эрмек", "окутуучу", [])])
    while "@odata.nextLink" in staff:
        staff = table(http, staff["@odata.nextLink"])
        assert staff["@odata.count"] == 6  # counted as it stood when each page was read
        parents += [r["__Submissions-id"] for r in staff["value"]]
    assert parents == first[::-1]


def test_personal_answers_only_for_a_data_manager_who_states_a_purpose_and_each_read_is_audited(site, world):
    someone = person(7)
    site.submit(3, [(someone.name, "мастер", [])], school=someone.pin)
    analyst, manager = site.user("analyst"), site.user("data_manager")
    purpose = {"X-Sapat-Purpose": PURPOSE}

    def audited() -> int:
        return world.run(lambda: db.session.scalar(select(func.count(AuditEntry.id))
                                                   .where(AuditEntry.action == "personal.read")))

    for http, headers in ((analyst, purpose), (manager, {})):
        for name in ("Submissions", "Submissions.staff"):
            response = http.get(f"{site.svc}/{name}", headers=headers, timeout=30)
            assert response.status_code == 200 and someone.name not in response.text
            assert someone.pin not in response.text
        archive = http.get(f"{site.svc[:-4]}/submissions.csv.zip", headers=headers, timeout=30)
        assert someone.name.encode() not in archive.content and someone.pin.encode() not in archive.content
    assert audited() == 0
    row = manager.get(f"{site.svc}/Submissions", params={"$expand": "*"}, headers=purpose,
                      timeout=30).json()["value"][0]
    assert row["school"] == someone.pin and row["staff"][0]["name"] == someone.name
    assert row["visit"]["note"] == "Бардыгы жакшы"
    assert audited() == 1
    entry = world.run(lambda: db.session.scalars(select(AuditEntry).where(AuditEntry.action == "personal.read"))
                      .one().purpose)
    assert entry == PURPOSE


def test_a_project_not_granted_answers_404_like_one_that_does_not_exist(site):
    outsider = site.user("analyst", grant=False)
    for url in (site.svc, f"{site.svc}/$metadata", f"{site.svc}/Submissions", f"{site.svc[:-4]}/submissions.csv.zip",
                f"{site.svc[:-4]}/submissions.csv"):
        response = outsider.get(url, timeout=30)
        assert response.status_code == 404 and response.json()["code"] == 404.1, url
    insider = site.user("data_manager")
    assert insider.get(f"{site.base}/v1/projects/{site.project_id}/forms/nope.svc/Submissions",
                       timeout=30).json()["code"] == 404.1
    assert insider.get(f"{site.svc}/Submissions.nothing", timeout=30).status_code == 404
    assert requests.get(f"{site.svc}/Submissions", timeout=30).json()["code"] == 401.2


def read_zip(response: requests.Response) -> dict[str, list[list[str]]]:
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        return {name: list(csv.reader(io.TextIOWrapper(archive.open(name), encoding="utf-8")))
                for name in archive.namelist()}


def test_csv_zip_has_central_file_names_columns_and_repeat_keys(site):
    instance_id = site.submit(4, [("Айбек", "мастер", ["2026-03-02"])])
    site.submit(1, [], tools="saw")
    http = site.user("analyst")
    files = read_zip(http.get(f"{site.svc[:-4]}/submissions.csv.zip", params={"$filter": "rooms gt 2"}, timeout=30))
    assert list(files) == ["inspection.csv", "inspection-staff.csv", "inspection-lesson.csv"]
    main = files["inspection.csv"]
    assert main[0] == ["SubmissionDate", "school", "rooms", "visit-score", "visit-where-Latitude",
                       "visit-where-Longitude", "visit-where-Altitude", "visit-where-Accuracy", "visit-tools",
                       "visit-note", "meta-instanceID", "KEY", "SubmitterID", "SubmitterName", "AttachmentsPresent",
                       "AttachmentsExpected", "Status", "ReviewState", "DeviceID", "Edits", "FormVersion"]
    assert len(main) == 2 and main[1][1:11] == ["", "4", "2.5", "42.87", "74.59", "760", "5", "saw drill", "",
                                                instance_id]
    assert main[1][11:] == [instance_id, str(site.app_user_id), "Планшет 7", "0", "0", "", "", "", "0", "1"]
    assert files["inspection-staff.csv"] == [["name", "role", "PARENT_KEY", "KEY"],
                                             ["", "мастер", instance_id, f"{instance_id}/staff[1]"]]
    assert files["inspection-lesson.csv"][1] == ["2026-03-02", f"{instance_id}/staff[1]",
                                                 f"{instance_id}/staff[1]/lesson[1]"]

    split = read_zip(http.get(f"{site.svc[:-4]}/submissions.csv.zip",
                              params={"groupPaths": "false", "splitSelectMultiples": "true"}, timeout=30))
    header = split["inspection.csv"][0]
    assert header[3:12] == ["score", "where-Latitude", "where-Longitude", "where-Altitude", "where-Accuracy",
                            "tools", "tools/drill", "tools/saw", "note"]
    assert [row[9:11] for row in split["inspection.csv"][1:]] == [["0", "1"], ["1", "1"]]

    plain = http.get(f"{site.svc[:-4]}/submissions.csv", timeout=30)
    assert plain.headers["Content-Type"].startswith("text/csv")
    assert list(csv.reader(io.StringIO(plain.text)))[0] == main[0] and len(plain.text.splitlines()) == 3


def test_media_go_into_the_zip_only_for_a_stated_personal_read(world, live_server):
    project_id = world.project()
    world.publish(project_id, photo_form())
    _, token = world.app_user(project_id, forms=["photos"])
    xml, _ = submission_xml("photos", photo="door.jpg", extras=("a.jpg",))
    files = {"door.jpg": b"JPEG-door", "a.jpg": b"JPEG-a"}
    assert post_submission(world.collect_base(live_server, project_id, token), xml, files).status_code == 201
    site = Site.__new__(Site)
    site.world, site.base, site.project_id = world, live_server, project_id
    manager = site.user("data_manager")
    url = f"{live_server}/v1/projects/{project_id}/forms/photos/submissions.csv.zip"
    with zipfile.ZipFile(io.BytesIO(manager.get(url, headers={"X-Sapat-Purpose": PURPOSE}, timeout=30).content)) as z:
        assert sorted(z.namelist()) == ["media/a.jpg", "media/door.jpg", "photos-more.csv", "photos.csv"]
        assert z.read("media/door.jpg") == b"JPEG-door"
    for params in ({"attachments": "false"}, {}):
        headers = {"X-Sapat-Purpose": PURPOSE} if params else {}
        with zipfile.ZipFile(io.BytesIO(manager.get(url, params=params, headers=headers, timeout=30).content)) as z:
            assert not [n for n in z.namelist() if n.startswith("media/")]


def test_excel_and_power_bi_sign_in_with_http_basic_on_the_feeds_only(site, world):
    """What Excel's and Power BI's OData connectors send: Basic credentials, prompted for by a 401."""
    site.user("analyst")
    site.submit(rooms=4)
    anonymous = requests.get(f"{site.svc}/Submissions", timeout=30)
    assert anonymous.status_code == 401 and anonymous.headers["WWW-Authenticate"].startswith("Basic ")
    rows = requests.get(f"{site.svc}/Submissions", auth=("analyst@example.kg", PASSWORD), timeout=30)
    assert rows.status_code == 200 and rows.json()["value"][0]["rooms"] == 4
    wrong = requests.get(f"{site.svc}/Submissions", auth=("analyst@example.kg", "wrong password"), timeout=30)
    assert wrong.status_code == 401 and wrong.json()["code"] == 401.2
    failures = world.run(lambda: db.session.query(LoginAttempt).count())
    assert failures == 1  # a wrong password counts toward the account's lockout
    # Elsewhere the API takes bearer tokens only.
    listing = requests.get(f"{site.base}/v1/projects", auth=("analyst@example.kg", PASSWORD), timeout=30)
    assert listing.status_code == 401 and "WWW-Authenticate" not in listing.headers
