"""Schemathesis against the API's own OpenAPI schema, with every check, as an annotator and as a reviewer.

The CLI runs in a subprocess against pytest-django's live server, so it takes the schema the app
serves and the test database the live server uses (SQLite or PostgreSQL, as the suite does).
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from annotate.models import Annotation, Membership
from annotate.reviewing import review_annotations
from annotate.sample_annotations import add_sample_annotations
from annotate.tokens import issue_token

pytestmark = pytest.mark.django_db(transaction=True)

CONFIG = Path(__file__).with_name("schemathesis.toml")
# Few random examples per operation: the coverage phase, which tries every documented
# boundary and refusal whatever this number, takes most of the two minutes a role run needs.
MAX_EXAMPLES = os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "5")


@pytest.fixture
def tagged(project, document, cast, django_user_model):
    """Add the sample tags by two annotators, and make one of them gold through a review."""
    for username in ("annotator1", "annotator2"):
        user = django_user_model.objects.create_user(username, password="pw-" + username)
        Membership.objects.create(project=project, user=user, role="annotator")
    add_sample_annotations(project)
    first = Annotation.objects.filter(project=project, segment__isnull=False, gold=False).order_by("id").first()
    review_annotations(reviewer=cast["reviewer"], items=[(first.pk, first.version)], action="accept")
    return project


def schemathesis_command():
    """Return the command that starts the Schemathesis CLI installed next to this Python."""
    script = Path(sys.executable).with_name("schemathesis")
    return [str(script)] if script.exists() else [shutil.which("schemathesis") or "schemathesis"]


def run_schemathesis(live_server, tmp_path, token, *options):
    """Run Schemathesis with all checks as the token's user; fail with its report unless it finds nothing."""
    command = [
        *schemathesis_command(), "--config-file", str(CONFIG), "run", f"{live_server.url}/api/schema/",
        "--checks", "all", "--max-examples", MAX_EXAMPLES, "-H", f"Authorization: Token {token}",
        "--no-color", *options,
    ]
    if os.environ.get("CI"):
        # The same cases every run, as the Hypothesis profile in conftest.py does for the other tests.
        command += ["--generation-deterministic", "--seed", "1"]
    else:
        command += ["--generation-database", "none"]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def token_for(user):
    return issue_token(user=user, name="schemathesis")[1]


# DELETE /api/token/ revokes the token it is sent with, and DELETE /api/tokens/{id}/ may hit it: inside
# the role runs that would log the run out halfway and turn every later case into a 401. The token
# endpoints are tested on their own below.
@pytest.mark.parametrize("role_user", ["annotator1", "reviewer"])
def test_api_conforms_to_its_schema_for_annotator_and_reviewer(live_server, tmp_path, tagged, django_user_model,
                                                                role_user):
    token = token_for(django_user_model.objects.get(username=role_user))
    run_schemathesis(live_server, tmp_path, token, "--exclude-path-regex", "^/api/tokens?/")


def test_token_endpoint_conforms_to_its_schema(live_server, tmp_path, tagged, django_user_model):
    # A user of its own, whose token the DELETE cases revoke: later cases then see the documented 401.
    user = django_user_model.objects.create_user("token-user", password="pw-token-user")
    run_schemathesis(live_server, tmp_path, token_for(user), "--include-path-regex", "^/api/tokens?/")
