"""Move a project to another codebook version: plan where every tag goes, then move them all at once.

Where a label's tags go is decided by annotate.codebooks.label_successors (the labels' origins). A label
with one successor is kept (same key), renamed, or merged (when other labels go to the same successor);
one with several is split (its tags land on one and go back to review); one with none is removed (its tags
are deleted or moved, as the manager chooses). The move itself is annotate.codebook_moving.do_move_codebook.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from annotate import dashboard
from annotate.codebooks import label_successors
from annotate.models import Annotation, Codebook, Label, Layer

KEPT, RENAMED, MERGED, SPLIT, REMOVED = "kept", "renamed", "merged", "split", "removed"
KINDS = (KEPT, RENAMED, MERGED, SPLIT, REMOVED)
DELETE = "delete"


class MoveError(Exception):
    """A move that cannot be made; the message names the label or the reason, and nothing was changed."""

    def __init__(self, message, *, field=None):
        super().__init__(message)
        self.field = field


@dataclass
class LabelMove:
    """Where one label of the current version goes."""

    label: Label
    kind: str
    targets: list  # [Label] of the target version
    tags: int = 0
    gold: int = 0
    options: list = field(default_factory=list)  # [Label] a removed label's tags may move to

    @property
    def needs_choice(self):
        """Return whether the manager must say what happens to this label's tags."""
        return self.kind == REMOVED and self.tags > 0

    @property
    def field_name(self):
        return f"label-{self.label.pk}"


@dataclass
class Plan:
    """What a move to target does, label by label, with the merges' agreement impact."""

    project: object
    source: Codebook
    target: Codebook
    moves: list  # [LabelMove] in codebook order
    successors: dict  # {old label id: [new label ids]}
    dropped: dict = field(default_factory=dict)  # {tag id: the identical tag it collapses into}, by collapse()
    impact: list = field(default_factory=list)  # [{"layer", "name", "scope", "before", "after", "labels"}]

    def count(self, kind):
        """Return the number of tags of labels of this kind."""
        return sum(move.tags for move in self.moves if move.kind == kind)

    @property
    def tags(self):
        return sum(move.tags for move in self.moves)

    @property
    def duplicates(self):
        """Return how many tags merge into an identical tag of the same annotator and collapse."""
        return len(self.dropped)

    @property
    def changes(self):
        """Return the moves that change a label or carry tags."""
        return [move for move in self.moves if move.kind != KEPT or move.tags]

    @property
    def unchanged(self):
        """Return the kept labels without tags."""
        return [move for move in self.moves if move.kind == KEPT and not move.tags]

    @property
    def choices_needed(self):
        return [move for move in self.moves if move.needs_choice]


def reason_for(move, source, target, landing=None):
    """Return the history reason of a tag moved by this label's move."""
    old = f"'{move.label.key}'"
    new = f"'{landing.key}'" if landing is not None else ""
    what = {
        KEPT: f"kept {old}",
        RENAMED: f"renamed {old} to {new}",
        MERGED: f"merged {old} into {new}",
        SPLIT: f"split {old}: landed on {new}, back to review",
        REMOVED: f"removed {old}: moved to {new}" if landing is not None else f"removed {old}: deleted",
    }[move.kind]
    return f"codebook {source.key} v{source.version} -> v{target.version}: {what}"


def check_target(project, target):
    """Raise MoveError unless the project may move to target: a published, other version, scopes kept."""
    if target.status != Codebook.Status.PUBLISHED:
        raise MoveError(f"codebook {target} is a draft: publish it before moving a project to it", field="target")
    if target.pk == project.codebook_id:
        raise MoveError(f"the project already uses codebook {target}", field="target")


def plan_move(*, project, target, user=None):
    """Return the Plan of moving project to target; with agreement impact for merges when a user is given.

    user reads the tags for the agreement figures (as the dashboard does): a manager sees them all.
    """
    check_target(project, target)
    source = project.codebook
    successors = label_successors(source, target)
    old_labels = list(Label.objects.filter(layer__codebook=source).select_related("layer")
                      .order_by("layer__order", "layer__id", "order", "id"))
    new_labels = {label.pk: label for label in Label.objects.filter(layer__codebook=target).select_related("layer")}
    _check_scopes(old_labels, successors, new_labels)
    counts = Counter()
    gold = Counter()
    for label_id, is_gold in Annotation.objects.filter(project=project).order_by().values_list("label_id", "gold"):
        counts[label_id] += 1
        gold[label_id] += bool(is_gold)
    feeding = Counter(new for targets in successors.values() if len(targets) == 1 for new in targets)
    continuing = _continuing_layers(source, target)
    moves = []
    for label in old_labels:
        targets = [new_labels[pk] for pk in successors.get(label.pk, [])]
        moves.append(LabelMove(
            label=label, kind=_kind(label, targets, feeding), targets=targets, tags=counts[label.pk],
            gold=gold[label.pk],
            options=[new for new in new_labels.values() if new.layer_id in continuing.get(label.layer_id, ())],
        ))
    for move in moves:
        move.options.sort(key=lambda new: (new.layer.order, new.order, new.pk))
    plan = Plan(project=project, source=source, target=target, moves=moves, successors=successors)
    tags = _tag_places(project)
    plan.dropped = collapse(tags, landing_map(plan, {}, strict=False))[0]
    if user is not None and any(move.kind == MERGED and move.tags for move in moves):
        plan.impact = merge_impact(plan, user)
    return plan


def _kind(label, targets, feeding):
    if not targets:
        return REMOVED
    if len(targets) > 1:
        return SPLIT
    if feeding[targets[0].pk] > 1:
        return MERGED
    return KEPT if targets[0].key == label.key else RENAMED


def _check_scopes(old_labels, successors, new_labels):
    for label in old_labels:
        for pk in successors.get(label.pk, []):
            new = new_labels[pk]
            if new.layer.scope != label.layer.scope:
                raise MoveError(
                    f"label '{label.layer.key}:{label.key}' continues as '{new.layer.key}:{new.key}', a "
                    f"{new.layer.get_scope_display()} label, but it is a {label.layer.get_scope_display()} label: "
                    "a layer's scope cannot change", field="target")


def _continuing_layers(source, target):
    """Return {old layer id: {new layer ids that continue it}}, by origin, else by key; same scope only."""
    old = {layer.pk: layer for layer in Layer.objects.filter(codebook=source)}
    found = defaultdict(set)
    new_layers = list(Layer.objects.filter(codebook=target))
    for layer in new_layers:
        if layer.origin_id in old and old[layer.origin_id].scope == layer.scope:
            found[layer.origin_id].add(layer.pk)
    for pk, layer in old.items():
        if pk not in found:
            found[pk] = {new.pk for new in new_layers if new.key == layer.key and new.scope == layer.scope}
    return found


def landing_map(plan, choices, *, strict=True):
    """Return {old label id: new label id, or None to delete its tags} from the plan and the manager's choices.

    choices maps an old label id to a new label id or "delete". Without strict, a missing choice deletes.
    """
    landing = {}
    for move in plan.moves:
        chosen = choices.get(move.label.pk)
        name = f"'{move.label.layer.key}:{move.label.key}'"
        if move.kind == SPLIT:
            landing[move.label.pk] = _pick(chosen, [new.pk for new in move.targets], move, name) if chosen \
                else move.targets[0].pk
        elif move.kind == REMOVED:
            if chosen in (None, "") and strict and move.needs_choice:
                raise MoveError(f"label {name} is removed and has {move.tags} tag(s): choose to delete them or "
                                "move them to a label", field=move.field_name)
            if chosen in (None, "", DELETE):
                landing[move.label.pk] = None
            else:
                landing[move.label.pk] = _pick(chosen, [new.pk for new in move.options], move, name)
        else:
            landing[move.label.pk] = move.targets[0].pk
    return landing


def _pick(chosen, allowed, move, name):
    try:
        pk = int(chosen)
    except (TypeError, ValueError):
        pk = None
    if pk not in allowed:
        raise MoveError(f"label {name}: {chosen!r} is not a label its tags may go to", field=move.field_name)
    return pk


def _tag_places(project):
    """Return the project's tags as plain rows for finding duplicates: one query."""
    return list(Annotation.objects.filter(project=project).order_by("created_at", "id").values(
        "id", "label_id", "annotator_id", "gold", "document_id", "segment_id", "start", "end",
        "relation_content_id", "relation_source_id", "relation_cue_id"))


def collapse(tags, landing):
    """Return ({dropped id: kept id}, {relation id: {end field: new id}}): tags made identical by a merge.

    tags are dicts in (created_at, id) order, so the first of a group is the oldest. Spans, sentence and
    document tags collapse first; relations pointing at a dropped tag point at the kept one, and then
    relations that became identical collapse too.
    """
    dropped, repointed = {}, defaultdict(dict)
    ends = ("relation_content_id", "relation_source_id", "relation_cue_id")
    for relations in (False, True):
        seen = {}
        for tag in tags:
            if (tag["relation_content_id"] is not None) != relations or landing.get(tag["label_id"]) is None:
                continue
            points = tuple(dropped.get(tag[end], tag[end]) for end in ends)
            for end, was, now in zip(ends, (tag[end] for end in ends), points, strict=True):
                if was != now:
                    repointed[tag["id"]][end] = now
            key = (tag["annotator_id"], tag["gold"], tag["document_id"], tag["segment_id"], tag["start"], tag["end"],
                   points, landing[tag["label_id"]])
            kept = seen.setdefault(key, tag)
            if kept is not tag and (relations or kept["label_id"] != tag["label_id"]):
                dropped[tag["id"]] = kept["id"]
    return dropped, {pk: ends for pk, ends in repointed.items() if pk not in dropped}


def merge_impact(plan, user):
    """Return, for each layer a merge touches, agreement now and after the move, computed as the dashboard does.

    The tags are relabelled in memory (never written): merges, renames and split landings as planned, removed
    labels' tags left out, merge duplicates collapsed.
    """
    rows = dashboard.fetch_rows(plan.project, user)
    before = _figures_by_layer(dashboard.agreement_figures(rows))
    after_rows = relabelled_rows(plan, rows)
    after = _figures_by_layer(dashboard.agreement_figures(after_rows))
    impact = []
    touched = {(move.label.layer.key, move.targets[0].layer.key) for move in plan.moves
               if move.kind == MERGED and move.tags}
    for old_key, new_key in sorted(touched):
        now, then = before.get(old_key), after.get(new_key)
        if now is None or then is None:
            continue
        figure = "alpha" if "alpha" in now else "token_alpha"
        merges = [move for move in plan.moves if move.kind == MERGED and move.label.layer.key == old_key]
        merged_from, merged_into = {move.label.key for move in merges}, {move.targets[0].key for move in merges}
        impact.append({
            "layer": new_key, "name": then["name"], "figure": figure, "before": now[figure], "after": then[figure],
            "f1_before": now.get("f1"), "f1_after": then.get("f1"),
            "labels_before": [(label["key"], label.get(figure)) for label in now["labels"]
                              if label["key"] in merged_from],
            "labels_after": [(label["key"], label.get(figure)) for label in then["labels"]
                             if label["key"] in merged_into],
        })
    return impact


def _figures_by_layer(figures):
    return {layer["key"]: layer for layer in figures["segment_layers"] + figures["span_layers"]}


def relabelled_rows(plan, rows):
    """Return the dashboard's rows as they would be after the move (default choices), without writing."""
    landing = landing_map(plan, {}, strict=False)
    old = {move.label.pk: move.label for move in plan.moves}
    new = {}
    by_key = {(label.layer.key, label.key): pk for pk, label in old.items()}
    layers = {layer.pk: {"key": layer.key, "name": layer.name, "scope": layer.scope, "attributes": layer.attributes,
                         "labels": []}
              for layer in Layer.objects.filter(codebook=plan.target).order_by("order", "id")}
    for label in Label.objects.filter(layer__codebook=plan.target).select_related("layer").order_by("order", "id"):
        layers[label.layer_id]["labels"].append({"key": label.key, "name": label.name})
        new[label.pk] = label
    tags = []
    for tag in rows.tags:
        target = landing.get(by_key.get((tag.layer, tag.key)))
        if target is not None and tag.id not in plan.dropped:
            tags.append(tag._replace(layer=new[target].layer.key, key=new[target].key))
    return dashboard.Rows(
        layers=list(layers.values()), documents=rows.documents,
        segments=rows.segments, finished=rows.finished, tags=tags, annotators=rows.annotators,
        annotators_per_segment=rows.annotators_per_segment,
    )

