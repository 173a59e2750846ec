"""Shared fixtures: the default codebook, the TeleSUR article and a cast of users."""

import os
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

# CI explores the same examples every run, so a landing never hangs on a new random draw;
# laptops keep drawing fresh ones.
hypothesis_settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "fixtures" / "telesur-iran-venezuela-2025-06-09.txt"


@pytest.fixture(autouse=True)
def empty_cache():
    """Start every test with an empty cache: a rolled-back test database hands out the same ids again."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def codebook(db):
    from annotate.codebooks import load_codebook_file

    return load_codebook_file()[0]


@pytest.fixture
def project(codebook):
    from annotate.models import Project

    return Project.objects.create(slug="telesur", name="TeleSUR", codebook=codebook, blind=True)


@pytest.fixture
def document(project):
    from annotate.importing import import_article

    return import_article(project=project, name=SEED.name, raw=SEED.read_bytes()).document


@pytest.fixture
def cast(project, django_user_model):
    """Return a manager, two annotators, a reviewer and an outsider (not a member)."""
    from annotate.models import Membership

    users = {}
    for username, role in [
        ("manager", "manager"),
        ("ann1", "annotator"),
        ("ann2", "annotator"),
        ("reviewer", "reviewer"),
        ("outsider", None),
    ]:
        users[username] = django_user_model.objects.create_user(username, password="pw-" + username)
        if role:
            Membership.objects.create(project=project, user=users[username], role=role)
    return users


@pytest.fixture
def label(codebook):
    """Return a function that finds a label by layer and key."""
    from annotate.models import Label

    def find(layer_key, label_key):
        return Label.objects.select_related("layer").get(
            layer__codebook=codebook, layer__key=layer_key, key=label_key
        )

    return find


@pytest.fixture
def gold_checked(db):
    """End the test by checking the gold invariant in every project."""
    from annotate.gold import assert_gold_consistent
    from annotate.models import Project

    yield
    for project in Project.objects.all():
        assert_gold_consistent(project)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Hash test passwords cheaply: the suite creates many users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_throttle_counts():
    """Start each test with empty rate-limit counters: they live in the cache, shared by the whole run."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def draft(project, cast):
    """Return the project's draft of its next codebook version, started by the manager."""
    from annotate.codebook_drafts import start_draft

    return start_draft(project=project, user=cast["manager"])
