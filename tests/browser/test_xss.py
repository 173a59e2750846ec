"""Script in every field a user can fill stays text: on every page, in the admin and in the html export."""

import pytest
from django.contrib.auth import get_user_model

from annotate.importing import import_article
from annotate.models import Document, Label, Layer, Membership, SegmentComment, Source
from annotate.reviewing import review_annotations
from tests.api_helpers import create_tag, make_span
from tests.browser.pages import open_document

pytestmark = pytest.mark.browser

PAYLOADS = [
    "<script>alert('script')</script>",
    "<img src=x onerror=alert('img')>",
    "<svg onload=alert('svg')>",
    "\"><iframe src=javascript:alert('iframe')>",
    "javascript:alert('link')",
]
EVIL = " ".join(PAYLOADS)
ARTICLE = (
    f"Title {PAYLOADS[1]} of the piece\n\n"
    f"Officials said {PAYLOADS[0]} nothing. Then {PAYLOADS[2]} came the lifeline.\n\n"
    f"A last line with {PAYLOADS[3]} in it."
)


@pytest.fixture
def poisoned(project, cast, label, django_user_model):
    """Fill every field a user, an import or a restore can set with script: text, title, URLs, notes, labels…"""
    document = import_article(project=project, name="evil.txt", raw=ARTICLE.encode()).document
    source = Source.objects.create(name=f"Outlet {PAYLOADS[2]}", funding_note=EVIL, url="javascript:alert('source')")
    Document.objects.filter(pk=document.pk).update(url="javascript:alert('url')", author=EVIL, source=source,
                                                  standfirst=EVIL)
    project.guidelines = (f"# Rules {PAYLOADS[0]}\n\n[click](javascript:alert('md')) {PAYLOADS[1]}\n\n"
                          f"<a href=\"javascript:alert('a')\">a</a>")
    project.name = f"Project {PAYLOADS[2]}"
    project.save()
    Layer.objects.filter(codebook=project.codebook, key="loaded_language").update(name=f"Loaded {PAYLOADS[1]}")
    Label.objects.filter(layer__codebook=project.codebook, key="loaded_language").update(
        name=f"Loaded {PAYLOADS[2]}", definition=EVIL)
    evil_user = get_user_model().objects.create_user(username="<svg onload=alert('user')>", password="pw-evil")
    Membership.objects.create(project=project, user=evil_user, role="annotator")
    segment = document.segments.get(text__startswith="Then")
    tag = make_span(project, document, evil_user, label, "lifeline", startswith="Then",
                    attributes={"polarity": "positive", "target": EVIL})
    create_tag(project=project, document=document, segment=segment, annotator=evil_user,
               label=label("framing", "economic"), note=EVIL)
    review_annotations(reviewer=cast["reviewer"], items=[(tag.pk, 1)], action="accept", note=EVIL)
    SegmentComment.objects.create(segment=segment, author=evil_user, text=EVIL)
    django_user_model.objects.create_superuser("admin", password="pw-admin")
    return {"document": document, "tag": tag, "segment": segment}


def watch(page):
    """Record every dialog a page opens (an alert is what the payloads would fire)."""
    fired = []
    page.on("dialog", lambda dialog: (fired.append(dialog.message), dialog.dismiss()))
    return fired


def test_payloads_are_inert_on_every_page_and_in_the_html_export(login, project, poisoned):
    document = poisoned["document"]
    page = login("reviewer")
    fired = watch(page)
    base = f"/projects/{project.slug}"
    for url in ["/", f"{base}/", f"{base}/documents/{document.pk}/review/", f"{base}/review/queue/",
                f"{base}/dashboard/", f"/api/projects/{project.pk}/export/?format=html",
                f"/api/projects/{project.pk}/export/?format=html&status=gold",
                f"/api/annotations/{poisoned['tag'].pk}/"]:
        response = page.goto(url)
        assert response.status < 400, url
        page.wait_for_load_state("load")
    open_document(page, document, sentence=poisoned["segment"].index)
    page.keyboard.press("g")  # the guidelines, rendered from Markdown
    page.keyboard.press("Escape")
    page.keyboard.press("m")  # the sentence's discussion
    page.wait_for_timeout(300)
    for link in page.locator("a[href^='javascript']").all():
        raise AssertionError(f"a javascript: link is clickable: {link.evaluate('a => a.outerHTML')}")
    assert fired == []
    assert "<script>alert('script')</script>" in page.inner_text("body")  # shown as text, not run


def test_payloads_are_inert_in_the_annotation_page_of_the_annotator_who_wrote_them(login, project, poisoned):
    page = login("<svg onload=alert('user')>", "pw-evil")
    fired = watch(page)
    open_document(page, poisoned["document"], sentence=poisoned["segment"].index)
    page.keyboard.press("m")
    page.wait_for_timeout(300)
    assert fired == []


def test_payloads_are_inert_in_the_admin(login, project, poisoned):
    page = login("admin")
    fired = watch(page)
    tag = poisoned["tag"]
    for url in ["/admin/annotate/annotation/", f"/admin/annotate/annotation/{tag.pk}/change/",
                f"/admin/annotate/annotation/{tag.pk}/history/", "/admin/annotate/document/",
                f"/admin/annotate/document/{poisoned['document'].pk}/change/", "/admin/annotate/segmentcomment/",
                "/admin/annotate/segment/", "/admin/annotate/label/", "/admin/annotate/layer/",
                "/admin/annotate/source/", f"/admin/annotate/project/{project.pk}/change/",
                "/admin/annotate/membership/", "/admin/auth/user/"]:
        response = page.goto(url)
        assert response.status < 400, url
        page.wait_for_load_state("load")
    assert fired == []
