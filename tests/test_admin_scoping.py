"""Admin scoping: a staff manager of one project sees nothing of another, anywhere in the admin, and saves no tag."""

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client

from annotate.importing import import_article
from annotate.models import (
    Annotation,
    Document,
    Membership,
    Project,
    Segment,
    SegmentComment,
    SegmentProgress,
)
from annotate.reviewing import review_annotations
from annotate.tags import do_delete_tag
from tests.api_helpers import make_span

# Strings that exist only in project A; none may reach the manager of project B.
SECRETS = ["Zanzibar Quokka Desk", "zanzibar-quokka", "Pelican Ledger Affair", "zed_only_in_a",
           "Marmosets audited the lighthouse", "Narwhal objection"]
# Searched for, as prefixes, so an echoed search box never counts as a leak.
SEARCHES = ["Zanzibar", "Pelican", "zed_only", "Marmosets", "Narwhal"]


@pytest.fixture
def elsewhere(codebook, label, django_user_model):
    """Return project A: its only member, a document, tags (one accepted into gold) and sentence notes."""
    project = Project.objects.create(slug="zanzibar-quokka", name="Zanzibar Quokka Desk", codebook=codebook)
    zed = django_user_model.objects.create_user("zed_only_in_a", password="pw-zed")
    Membership.objects.create(project=project, user=zed, role="manager")
    raw = b"Pelican Ledger Affair\n\nMarmosets audited the lighthouse budget. Gulls kept the minutes."
    document = import_article(project=project, name="a.txt", raw=raw).document
    accepted = make_span(project, document, zed, label, "audited", startswith="Marmosets")
    pending = make_span(project, document, zed, label, "minutes", startswith="Gulls")
    gold = review_annotations(reviewer=zed, items=[(accepted.pk, 1)], action="accept")[0].gold
    segment = document.segments.get(text__startswith="Marmosets")
    SegmentProgress.objects.create(segment=segment, annotator=zed)
    SegmentComment.objects.create(segment=segment, author=zed, text="Narwhal objection to this sentence")
    return {"project": project, "user": zed, "document": document, "segment": segment,
            "accepted": accepted, "pending": pending, "gold": gold}


@pytest.fixture
def own(project, document, cast, label):
    """Return project B's tags, one accepted into gold, and its sentence notes."""
    lifeline = make_span(project, document, cast["ann1"], label, "lifeline")
    crippled = make_span(project, document, cast["ann2"], label, "crippled")
    gold = review_annotations(reviewer=cast["reviewer"], items=[(lifeline.pk, 1)], action="accept")[0].gold
    segment = lifeline.segment
    SegmentProgress.objects.create(segment=segment, annotator=cast["ann1"])
    SegmentComment.objects.create(segment=segment, author=cast["ann2"], text="is this loaded?")
    return {"lifeline": lifeline, "crippled": crippled, "gold": gold}


@pytest.fixture
def boss(project, cast, django_user_model):
    """Return a client for staff who manage only project B, with every annotate permission and user rights."""
    user = django_user_model.objects.create_user("boss", password="pw-boss", is_staff=True)
    Membership.objects.create(project=project, user=user, role="manager")
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="annotate"))
    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_user", "change_user"]))
    django_user_model.objects.create_user("newcomer", password="pw-newcomer")
    client = Client()
    client.force_login(user)
    return client


def snapshot():
    """Return what a write would change: row counts of every admin model, and every tag's version and note."""
    counts = {model.__name__: model._default_manager.count() for model in admin.site._registry}
    tags = set(Annotation.objects.values_list("pk", "version", "note", "status", "gold"))
    return counts, tags


def assert_hides_a(response):
    body = response.content.decode()
    assert response.status_code < 500
    leaked = [secret for secret in SECRETS if secret in body]
    assert not leaked, f"{response.request['PATH_INFO']}?{response.request.get('QUERY_STRING', '')}: {leaked}"


def admin_url(model, *parts):
    meta = model._meta
    return "/".join(["/admin", meta.app_label, meta.model_name, *map(str, parts), ""])


def foreign_rows(elsewhere):
    """Return one row of project A for every admin model that holds project rows."""
    a = elsewhere
    return [a["project"], Membership.objects.get(user=a["user"]), a["document"], a["segment"], a["accepted"],
            a["gold"], SegmentProgress.objects.get(annotator=a["user"]), SegmentComment.objects.get(author=a["user"]),
            a["user"]]


def crawl_changelist(client, model):
    """Visit a changelist, each of its filter choices, a search for each secret, and each listed row."""
    response = client.get(admin_url(model))
    assert_hides_a(response)
    if response.status_code != 200:
        return []
    changelist = response.context["cl"]
    for spec in changelist.filter_specs:
        for choice in spec.choices(changelist):
            assert_hides_a(client.get(admin_url(model) + choice["query_string"]))
    if changelist.search_fields:
        for term in SEARCHES:
            assert_hides_a(client.get(admin_url(model), {"q": term}))
    rows = list(changelist.result_list)[:5]
    for row in rows:
        assert_hides_a(client.get(admin_url(model, row.pk, "change")))
    return rows


def test_a_staff_manager_crawling_the_admin_sees_nothing_of_another_project(boss, own, elsewhere):
    before = snapshot()
    assert_hides_a(boss.get("/admin/"))
    seen = {}
    for model in admin.site._registry:
        seen[model.__name__] = crawl_changelist(boss, model)
        assert_hides_a(boss.get(admin_url(model, "add")))
    assert {row.pk for row in seen["Annotation"]} >= {own["lifeline"].pk, own["gold"].pk}
    assert "TeleSUR" in boss.get(admin_url(Project)).content.decode()
    assert snapshot() == before


def test_another_projects_rows_are_not_found_by_url(boss, own, elsewhere):
    before = snapshot()
    for row in foreign_rows(elsewhere):
        for page in ("change", "delete", "history"):
            response = boss.get(admin_url(type(row), row.pk, page), follow=True)
            assert_hides_a(response)
            assert response.redirect_chain or response.status_code in (403, 404), (type(row).__name__, page)
            assert_hides_a(boss.post(admin_url(type(row), row.pk, page), {"post": "yes", "note": "x"}, follow=True))
    assert_hides_a(boss.get(f"/admin/auth/user/{elsewhere['user'].pk}/password/", follow=True))
    assert snapshot() == before


def test_another_projects_annotation_history_is_a_404_and_cannot_be_reverted(boss, own, elsewhere):
    before = snapshot()
    for tag in (elsewhere["accepted"], elsewhere["pending"], elsewhere["gold"]):
        assert boss.get(admin_url(Annotation, tag.pk, "history")).status_code == 404
        for record in tag.history.all():
            url = admin_url(Annotation, tag.pk, "history", record.history_id)
            assert boss.get(url).status_code == 404
            assert boss.post(url, {"_save": "Revert", "note": "x"}).status_code == 404
        own_record = own["lifeline"].history.earliest()
        mixed = admin_url(Annotation, tag.pk, "history", own_record.history_id)
        assert boss.get(mixed).status_code == 404
    assert snapshot() == before


def test_a_deleted_annotations_history_is_shown_only_within_its_project(boss, own, elsewhere, cast):
    crippled, pending = own["crippled"], elsewhere["pending"]
    ids = crippled.pk, pending.pk
    do_delete_tag(annotation=crippled, user=cast["ann2"], expected_version=1)
    do_delete_tag(annotation=pending, user=elsewhere["user"], expected_version=1)
    assert boss.get(admin_url(Annotation, ids[0], "history")).status_code == 200
    assert boss.get(admin_url(Annotation, ids[1], "history")).status_code == 404


def test_own_history_pages_show_every_version_and_revert_saves_nothing(boss, own):
    before = snapshot()
    lifeline = own["lifeline"]
    history = boss.get(admin_url(Annotation, lifeline.pk, "history"))
    assert history.status_code == 200 and "review: accept" in history.content.decode()
    for record in lifeline.history.all():
        url = admin_url(Annotation, lifeline.pk, "history", record.history_id)
        page = boss.get(url)
        assert page.status_code == 200 and 'value="Revert"' not in page.content.decode()
        assert boss.post(url, {"_save": "Revert", "note": "reverted"}).status_code == 403
    assert snapshot() == before


def test_a_superuser_cannot_revert_either(own, django_user_model):
    client = Client()
    client.force_login(django_user_model.objects.create_superuser("root", password="pw-root"))
    before = snapshot()
    lifeline = own["lifeline"]
    oldest = lifeline.history.earliest()
    url = admin_url(Annotation, lifeline.pk, "history", oldest.history_id)
    assert client.get(url).status_code == 200
    assert client.post(url, {"_save": "Revert"}).status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize("url", [
    "/admin/annotate/annotation/abc/history/",
    "/admin/annotate/annotation/999999/history/",
    "/admin/annotate/annotation/1/history/abc/",
    "/admin/annotate/annotation/999999/history/1/",
    "/admin/annotate/annotation/%C3%A9/history/1/",
])
def test_malformed_history_urls_are_a_404(django_user_model, own, url):
    client = Client()
    client.force_login(django_user_model.objects.create_superuser("root", password="pw-root"))
    assert client.get(url).status_code == 404


def test_autocomplete_offers_only_own_projects_rows_and_people(boss, own, elsewhere):
    for model in admin.site._registry:
        for field in model._meta.get_fields():
            if not (field.is_relation and field.concrete):
                continue
            for term in ["", *SEARCHES]:
                response = boss.get("/admin/autocomplete/", {"app_label": model._meta.app_label, "term": term,
                                                             "model_name": model._meta.model_name,
                                                             "field_name": field.name})
                assert_hides_a(response)
    users = boss.get("/admin/autocomplete/", {"app_label": "annotate", "model_name": "membership",
                                              "field_name": "user", "term": ""}).json()["results"]
    names = {user["text"] for user in users}
    assert {"ann1", "reviewer", "boss", "newcomer"} <= names and "zed_only_in_a" not in names


def test_forms_refuse_another_projects_choices(boss, own, elsewhere, project):
    before = snapshot()
    a = elsewhere
    attempts = [
        (Membership, {"project": a["project"].pk, "user": a["user"].pk, "role": "manager"}),
        (Membership, {"project": project.pk, "user": a["user"].pk, "role": "reviewer"}),
        (Membership, {"project": a["project"].pk, "user": boss_id(), "role": "manager"}),
        (Document, {"project": a["project"].pk, "title": "t", "text": "Some text.", "language": "en"}),
        (Segment, {"document": a["document"].pk, "index": 99, "kind": "body", "paragraph": 0, "start": 0,
                   "end": 4, "text": "Some"}),
        (SegmentComment, {"segment": a["segment"].pk, "author": boss_id(), "text": "hello"}),
        (SegmentProgress, {"segment": a["segment"].pk, "annotator": boss_id()}),
    ]
    for model, data in attempts:
        response = boss.post(admin_url(model, "add"), data)
        assert response.status_code == 200 and response.context["adminform"].form.errors, (model.__name__, data)
        assert_hides_a(response)
    assert snapshot() == before


def boss_id():
    return get_user_model().objects.get(username="boss").pk


def test_staff_cannot_raise_their_own_rights(boss, django_user_model):
    me = django_user_model.objects.get(username="boss")
    page = boss.get(f"/admin/auth/user/{me.pk}/change/")
    assert "is_superuser" not in page.context["adminform"].form.fields
    root = django_user_model.objects.create_superuser("root", password="pw-root")
    assert boss.get(f"/admin/auth/user/{root.pk}/password/").status_code == 403


def test_a_superuser_still_sees_every_project(django_user_model, own, elsewhere):
    client = Client()
    client.force_login(django_user_model.objects.create_superuser("root", password="pw-root"))
    assert "Zanzibar Quokka Desk" in client.get(admin_url(Project)).content.decode()
    assert "zed_only_in_a" in client.get("/admin/auth/user/").content.decode()
    history = client.get(admin_url(Annotation, elsewhere["accepted"].pk, "history"))
    assert history.status_code == 200
