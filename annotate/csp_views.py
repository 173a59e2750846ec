"""The endpoint browsers send Content-Security-Policy violation reports to."""

import json
import logging

from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

logger = logging.getLogger("annotate.csp")

# Types a page cannot send cross-site without a preflight, so other sites cannot post to the log.
REPORT_TYPES = ("application/csp-report", "application/reports+json", "application/json")

# report-uri sends {"csp-report": {...}} with kebab-case keys; the Reporting API sends a list of
# {"type": "csp-violation", "body": {...}} with camelCase keys.
FIELDS = {
    "document": ("document-uri", "documentURL"),
    "directive": ("effective-directive", "effectiveDirective", "violated-directive"),
    "blocked": ("blocked-uri", "blockedURL"),
    "source": ("source-file", "sourceFile"),
    "line": ("line-number", "lineNumber"),
}


def violations_in(data):
    """Return the violation bodies of a report-uri or Reporting API payload; nothing for anything else."""
    if isinstance(data, dict) and isinstance(data.get("csp-report"), dict):
        return [data["csp-report"]]
    if isinstance(data, list):
        return [item["body"] for item in data if isinstance(item, dict)
                and item.get("type") == "csp-violation" and isinstance(item.get("body"), dict)]
    return []


def describe(violation):
    """Return one log line's worth of a violation, each value quoted and cut short."""
    parts = []
    for name, keys in FIELDS.items():
        value = next((violation[key] for key in keys if key in violation), "")
        parts.append(f"{name}={str(value)[:300]!r}")
    return " ".join(parts)


@csrf_exempt
@require_POST
def csp_report(request):
    """Log each violation a browser reports as one warning line; answer 204 (413 too large, 415 not JSON)."""
    if request.content_type not in REPORT_TYPES:
        return HttpResponse(status=415)
    limit = settings.CSP_REPORT_MAX_BYTES
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if declared.isdigit() and int(declared) > limit:
        return HttpResponse(status=413)
    body = request.read(limit + 1)
    if len(body) > limit:
        return HttpResponse(status=413)
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        data = None
    for violation in violations_in(data):
        logger.warning("CSP violation: %s", describe(violation))
    return HttpResponse(status=204)
