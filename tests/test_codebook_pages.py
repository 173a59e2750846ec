"""The codebook pages of the project settings: access, the editor's forms, the diff, JSON export and import, admin."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from annotate.codebook_drafts import export_data, start_draft
from annotate.codebooks import load_codebook
from annotate.models import AuditEntry, Codebook, Label
from tests.codebook_versions import draft_label

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_client(client, cast):
    client.force_login(cast["manager"])
    return client



def url(name, *args):
    return reverse(name, args=["telesur", *args])



@pytest.mark.parametrize("user, status", [("outsider", 404), ("ann1", 403), ("reviewer", 403), ("manager", 200)])
def test_only_managers_open_the_codebook_pages(client, cast, draft, user, status):
    client.force_login(cast[user])
    for page in (url("codebook-versions"), url("project-codebook-draft"),
                 url("project-codebook-diff") + f"?from={draft.based_on_id}&to={draft.pk}"):
        assert client.get(page).status_code == status
    # A manager's publish is refused for the draft's problems; the others never reach the draft.
    expected = 400 if user == "manager" else status
    assert client.post(url("project-codebook-edit", "publish"), {"revision": 1}).status_code == expected


def test_an_annotator_cannot_edit_the_draft(client, cast, draft):
    client.force_login(cast["ann1"])
    response = client.post(url("project-codebook-edit", "label"),
                           {"revision": 1, "label": draft_label(draft, "attribution", "cue").pk, "name": "x"})
    assert response.status_code == 403 and draft_label(draft, "attribution", "cue").name != "x"


def test_the_versions_page_lists_versions_with_diff_and_export_links(manager_client, codebook, project):
    page = manager_client.get(url("codebook-versions")).content.decode()
    assert "This project uses <b>Source bias and framing v2</b>" in page
    assert url("project-codebook-export", codebook.pk) in page and "Start a draft" in page


def test_another_projects_draft_is_not_listed_nor_exported(manager_client, codebook, cast, django_user_model):
    from annotate.models import Project

    other = Project.objects.create(slug="other", name="Other", codebook=codebook)
    theirs = start_draft(project=other, user=cast["outsider"])
    assert f"v{theirs.version}" not in manager_client.get(url("codebook-versions")).content.decode()
    assert manager_client.get(url("project-codebook-export", theirs.pk)).status_code == 404
    diff = url("project-codebook-diff") + f"?from={codebook.pk}&to={theirs.pk}"
    assert manager_client.get(diff).status_code == 404


def test_starting_a_draft_opens_the_editor(manager_client, project):
    response = manager_client.post(url("project-codebook-start"))
    assert response.status_code == 302 and response["Location"] == url("project-codebook-draft")
    assert Codebook.objects.filter(made_for=project, status="draft").count() == 1


def test_the_editor_saves_a_rename_and_shows_it_in_the_diff(manager_client, draft):
    cue = draft_label(draft, "attribution", "cue")
    response = manager_client.post(url("project-codebook-edit", "label"), {
        "revision": 1, "label": cue.pk, "key": "cue_verb", "name": "Cue verb", "color": "#123456", "hotkey": "u",
        "technique": "", "definition": "d", "example": "e",
    })
    assert response.status_code == 302
    page = manager_client.get(url("project-codebook-draft")).content.decode()
    assert "Label renamed: <b>attribution:cue</b> → <b>cue_verb</b>" in page


def test_a_stale_revision_is_refused_with_409_and_nothing_changes(manager_client, draft):
    cue = draft_label(draft, "attribution", "cue")
    manager_client.post(url("project-codebook-edit", "label"), {"revision": 1, "label": cue.pk, "name": "First"})
    response = manager_client.post(url("project-codebook-edit", "label"),
                                   {"revision": 1, "label": cue.pk, "name": "Second"})
    assert response.status_code == 409
    assert "the draft was changed by someone else: reload" in response.content.decode()
    assert draft_label(draft, "attribution", "cue").name == "First"


@pytest.mark.parametrize("action, data, message", [
    ("label", {"label": "LABEL", "color": "red"}, "color: Enter a colour as #rrggbb."),
    ("label", {"label": "999999999999", "name": "x"}, "label: no such label in the draft"),
    ("label-merge", {"label": "LABEL", "into": "abc"}, "into: no such label in the draft"),
    ("layer", {"layer": "LAYER", "attributes": "[{"}, "attributes: not valid JSON"),
    ("label", {"label": "LABEL", "shape": "round"}, "Label saved"),
])
def test_bad_form_input_is_refused_naming_the_field(manager_client, draft, action, data, message):
    cue = draft_label(draft, "attribution", "cue")
    posted = {name: str({"LABEL": cue.pk, "LAYER": cue.layer_id}.get(value, value)) for name, value in data.items()}
    response = manager_client.post(url("project-codebook-edit", action), {"revision": 1, **posted}, follow=True)
    assert message in response.content.decode()
    assert response.status_code == (200 if message == "Label saved" else 400)


def test_an_unknown_edit_is_a_400(manager_client, draft):
    assert manager_client.post(url("project-codebook-edit", "explode"), {"revision": 1}).status_code == 400


def test_publish_is_refused_with_the_problems_listed(manager_client, draft):
    response = manager_client.post(url("project-codebook-edit", "publish"), {"revision": 1})
    assert response.status_code == 400 and "name_calling.hotkey" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_publish_from_the_editor(manager_client, draft, project):
    revision = 1
    for label in Label.objects.filter(layer__codebook=draft, hotkey="n"):
        edit = {"revision": revision, "label": label.pk, "hotkey": ""}
        manager_client.post(url("project-codebook-edit", "label"), edit)
        revision += 1
    response = manager_client.post(url("project-codebook-edit", "publish"), {"revision": revision})
    assert response.status_code == 302 and response["Location"] == url("codebook-versions")
    draft.refresh_from_db()
    assert draft.status == "published"
    assert AuditEntry.objects.filter(project=project, action="codebook.publish").exists()
    assert manager_client.get(url("codebook-versions")).context["newer"] == [draft]


@pytest.mark.parametrize("query, status", [("from=x&to=ID", 400), ("to=ID", 400), ("from=ID&to=99999999999", 400),
                                            ("from=ID&to=-3", 400), ("from=ID&to=999998", 404)])
def test_bad_diff_ids_are_refused(manager_client, codebook, query, status):
    response = manager_client.get(url("project-codebook-diff") + "?" + query.replace("ID", str(codebook.pk)))
    assert response.status_code == status


def test_the_diff_page_shows_a_merge(manager_client, draft):
    manager_client.post(url("project-codebook-edit", "label-merge"), {
        "revision": 1, "label": draft_label(draft, "attribution", "cue").pk,
        "into": draft_label(draft, "attribution", "source").pk})
    page = manager_client.get(url("project-codebook-diff") + f"?from={draft.based_on_id}&to={draft.pk}")
    assert "Labels merged: <b>source</b> + <b>cue</b> → <b>attribution:source</b>" in page.content.decode()


def test_export_downloads_json_that_load_codebook_reads(manager_client, codebook):
    response = manager_client.get(url("project-codebook-export", codebook.pk))
    assert response["Content-Disposition"] == f'attachment; filename="{codebook.key}-v{codebook.version}.json"'
    data = json.loads(response.content)
    assert data["version"] == codebook.version
    data["version"] = 50
    loaded, created = load_codebook(data)
    assert created and loaded.layers.count() == codebook.layers.count()


def test_import_creates_a_draft_and_a_bad_file_saves_nothing(manager_client, codebook, project):
    bad = manager_client.post(url("project-codebook-import"),
                              {"file": SimpleUploadedFile("c.json", b"{not json")}, follow=True)
    assert "Nothing imported: file: not valid JSON" in bad.content.decode()
    missing = manager_client.post(url("project-codebook-import"),
                                  {"file": SimpleUploadedFile("c.json", b'{"name": "x"}')}, follow=True)
    assert "layers: a list of layers is needed" in missing.content.decode()
    assert not Codebook.objects.filter(status="draft").exists()
    shared = export_data(codebook)
    for layer in shared["layers"]:
        for label in layer["labels"]:
            label["hotkey"] = label["hotkey"].replace("n", "")
    data = json.dumps(shared).encode()
    response = manager_client.post(url("project-codebook-import"), {"file": SimpleUploadedFile("c.json", data)})
    assert response["Location"] == url("project-codebook-draft")
    assert Codebook.objects.get(status="draft").made_for == project


def test_the_editor_page_uses_a_fixed_number_of_queries(manager_client, draft, cast, django_assert_num_queries):
    from annotate.codebook_drafts import add_label, add_layer

    manager_client.get(url("project-codebook-draft"))
    with django_assert_num_queries(19):
        assert manager_client.get(url("project-codebook-draft")).status_code == 200
    layer = add_layer(draft=draft, revision=1, user=cast["manager"], key="tone", name="Tone", scope="segment")
    for n in range(3):
        add_label(draft=draft, revision=2 + n, user=cast["manager"], layer=layer, key=f"t{n}", name=f"T{n}")
    with django_assert_num_queries(19):
        assert manager_client.get(url("project-codebook-draft")).status_code == 200


def test_the_admin_shows_a_published_version_read_only(client, codebook, draft, django_user_model):
    admin = django_user_model.objects.create_superuser("root", password="pw-root")
    client.force_login(admin)
    label = Label.objects.filter(layer__codebook=codebook).first()
    page = client.get(reverse("admin:annotate_label_change", args=[label.pk])).content.decode()
    assert 'name="name"' not in page
    response = client.post(reverse("admin:annotate_label_change", args=[label.pk]), {"name": "x", "key": "x"})
    assert response.status_code == 403 and Label.objects.get(pk=label.pk).name != "x"
    delete = client.post(reverse("admin:annotate_codebook_delete", args=[codebook.pk]), {"post": "yes"})
    assert delete.status_code == 403
    mine = Label.objects.filter(layer__codebook=draft).first()
    assert 'name="name"' in client.get(reverse("admin:annotate_label_change", args=[mine.pk])).content.decode()


def test_a_refused_edit_shows_what_was_typed_and_saves_nothing(manager_client, draft):
    cue = draft_label(draft, "attribution", "cue")
    response = manager_client.post(url("project-codebook-edit", "label"), {
        "revision": 1, "label": cue.pk, "key": "source", "name": "Typed name", "definition": "Typed definition",
    })
    page = response.content.decode()
    assert response.status_code == 400 and "key: &#x27;source&#x27; is already used here" in page
    assert 'value="Typed name"' in page and "Typed definition" in page
    assert draft_label(draft, "attribution", "cue").name == cue.name
    layer = cue.layer
    response = manager_client.post(url("project-codebook-edit", "layer"), {
        "revision": 1, "layer": layer.pk, "key": layer.key, "name": "Typed layer", "scope": layer.scope,
        "attributes": "[{"})
    assert response.status_code == 400 and "[{</textarea>" in response.content.decode()
    assert 'value="Typed layer"' in response.content.decode()
