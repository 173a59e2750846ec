"""The demo command, the codebook loader and production settings."""

import json
import os
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from annotate.codebooks import DEFAULT_CODEBOOK, CodebookError, load_codebook, load_codebook_file
from annotate.models import Codebook, Label, Layer, Membership, Project
from tests.conftest import ROOT


def test_default_codebook_has_every_layer(codebook):
    layers = dict(Layer.objects.filter(codebook=codebook).values_list("key", "scope"))
    assert layers == {
        "framing": "segment", "article_frame": "document", "loaded_language": "span",
        "sentence_bias": "segment", "attribution": "span", "attribution_relation": "relation",
        "claim_sourcing": "segment", "missing_perspectives": "document",
    }
    assert Label.objects.filter(layer__codebook=codebook, layer__key="framing").count() == 16
    slanted = Label.objects.get(layer__codebook=codebook, key="slanted_word_choice")
    assert slanted.technique == "Loaded_Language"


def test_loading_the_same_codebook_again_reuses_it(codebook):
    again, created = load_codebook_file()
    assert (again, created) == (codebook, False)
    assert Codebook.objects.count() == 1


def test_a_changed_codebook_needs_a_new_version(codebook):
    data = json.loads(DEFAULT_CODEBOOK.read_text())
    data["layers"][0]["labels"].pop()
    with pytest.raises(CodebookError, match="raise the version number"):
        load_codebook(data)
    data["version"] += 1
    assert load_codebook(data)[1] is True
    assert Codebook.objects.count() == 2


def test_a_bad_codebook_saves_nothing(db):
    data = {"key": "broken", "version": 1, "layers": [
        {"key": "ok", "name": "OK", "scope": "segment", "labels": [{"key": "a", "name": "A"}]},
        {"key": "bad", "name": "Bad", "scope": "paragraph", "labels": []},
    ]}
    with pytest.raises(CodebookError, match="scope must be one of"):
        load_codebook(data)
    assert Codebook.objects.count() == 0 and Layer.objects.count() == 0


def test_load_demo_creates_the_project_users_and_article(db, capsys, settings):
    settings.DEBUG = True
    call_command("load_demo")
    out = capsys.readouterr().out
    project = Project.objects.get(slug="telesur-iran-venezuela")
    assert project.documents.get().title.startswith("Sanctions, Solidarity and Sovereignty")
    roles = dict(Membership.objects.filter(project=project).values_list("user__username", "role"))
    assert roles == {"manager": "manager", "annotator1": "annotator", "annotator2": "annotator",
                     "reviewer": "reviewer"}
    assert out.count("password: ") == 4

    call_command("load_demo")
    assert "password: " not in capsys.readouterr().out
    assert Project.objects.count() == 1 and project.documents.count() == 1


def test_load_demo_refuses_with_debug_off(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="refused with DJANGO_DEBUG off"):
        call_command("load_demo")
    assert Project.objects.count() == 0


def run_manage(*args, **env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environment.update(env)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=120)


def test_production_without_a_secret_key_stops_with_a_message():
    result = run_manage("check", DJANGO_DEBUG="false")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


PRODUCTION = {"DJANGO_DEBUG": "false", "DJANGO_ALLOWED_HOSTS": "annotate.example.org",
              "DJANGO_SECRET_KEY": "x" * 20 + "-production-secret-for-the-deploy-check-0123456789"}


def test_check_deploy_is_clean_with_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_answers_carry_the_enforced_policy_and_no_store():
    script = ("from django.test import Client; r = Client(SERVER_NAME='annotate.example.org')"
              ".get('/api/', secure=True); "
              "print(r.status_code); print(r['Content-Security-Policy']); print(r['Cache-Control'])")
    result = run_manage("shell", "-c", script, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    status, policy, cache = result.stdout.splitlines()[-3:]
    assert status == "401"
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy and "report-uri /csp-report/" in policy
    assert "no-store" in cache
