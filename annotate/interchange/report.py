"""What an import did and what it could not do: counts, and the first examples of each refusal."""

from collections import Counter

EXAMPLES = 5  # examples kept per reason


class ImportOptionError(ValueError):
    """An option or input that makes the whole import impossible; ``field`` names it (400 / command error)."""

    def __init__(self, message, *, field):
        super().__init__(message)
        self.field = field


class ImportReport:
    """Counts by outcome, label and reason; refusals keep their first EXAMPLES places and details."""

    def __init__(self, *, format_key, source, partial=False, dry_run=False):
        self.format_key, self.source, self.partial, self.dry_run = format_key, source, partial, dry_run
        self.saved = False
        self.documents = Counter(created=0, matched=0, refused=0)
        self.tags = Counter(read=0, imported=0, skipped=0, refused=0)
        self.by_label = Counter()
        self.by_annotator = Counter()
        self.refusals = {}  # reason -> {"count": n, "examples": [...]}
        self.users_created = []

    def refuse(self, refusal, *, counts="tags"):
        """Count a refusal (a Refusal record) under its reason, against tags or documents."""
        self[counts]["refused"] += 1
        entry = self.refusals.setdefault(refusal.reason, {"count": 0, "examples": []})
        entry["count"] += 1
        if len(entry["examples"]) < EXAMPLES:
            entry["examples"].append({"where": refusal.where, "detail": refusal.detail})

    def __getitem__(self, name):
        return {"tags": self.tags, "documents": self.documents}[name]

    @property
    def refused(self):
        return sum(entry["count"] for entry in self.refusals.values())

    @property
    def result(self):
        if self.dry_run:
            return "dry run: would be refused, nothing saved" if self.refused and not self.partial \
                else "dry run: nothing saved"
        if self.saved:
            return "imported" if not self.refused else "imported in part"
        return "refused: nothing saved"

    def as_dict(self):
        return {
            "format": self.format_key,
            "source": self.source,
            "result": self.result,
            "saved": self.saved,
            "partial": self.partial,
            "dry_run": self.dry_run,
            "documents": dict(self.documents),
            "tags": dict(self.tags),
            "imported_by_label": dict(sorted(self.by_label.items())),
            "imported_by_annotator": dict(sorted(self.by_annotator.items())),
            "refused_by_reason": {reason: self.refusals[reason] for reason in sorted(self.refusals)},
            "users_created": list(self.users_created),
        }


def render(report):
    """Return a report (as_dict) as lines of text for the command line."""
    lines = [f"{report['format']}: {report['result']}"]
    lines.append("documents: " + ", ".join(f"{key} {value}" for key, value in report["documents"].items()))
    lines.append("tags: " + ", ".join(f"{key} {value}" for key, value in report["tags"].items()))
    for name, count in report.get("imported_by_label", {}).items():
        lines.append(f"  {name}: {count}")
    if report.get("users_created"):
        lines.append("accounts created: " + ", ".join(report["users_created"]))
    for reason, entry in report.get("refused_by_reason", {}).items():
        lines.append(f"refused, {reason}: {entry['count']}")
        lines += [f"  {example['where']}: {example['detail']}" for example in entry["examples"]]
    return "\n".join(lines)
