"""Moving a project to the next codebook version: the plan and the move, next to the least a move must write.

Run: .venv/bin/python bench/bench_codebook_move.py [--tags 10000] [--annotators 5] [--runs 3]

Builds a throwaway SQLite database (or uses $BENCH_DATABASE_URL). Each run makes a fresh project on the
default codebook in which every annotator tags sentences with frames (morality and fairness_equality among
them) and loaded-language spans, then a published next version that renames loaded_language and merges
morality into fairness_equality. It times, in the same run: the plan the move page shows (with the merge's
agreement before and after), the move itself, and a baseline on a copy of the same tags: the least any
move must do, one UPDATE of every tag's version and one history row per tag, in one transaction.
"""

import argparse
import random
import statistics
import time

from common import peak_rss_mb, setup_django


def build(run, tags, annotators):
    """Create a project with about `tags` tags; return (project, manager)."""
    from django.contrib.auth import get_user_model

    from annotate.codebooks import load_codebook_file
    from annotate.models import Annotation, Document, Label, Membership, Project, Segment, SegmentProgress
    from annotate.tags import write_path

    codebook = load_codebook_file()[0]
    project = Project.objects.create(slug=f"bench-move-{run}", name=f"Bench move {run}", codebook=codebook)
    User = get_user_model()
    manager = User.objects.create_user(f"manager{run}")
    Membership.objects.create(project=project, user=manager, role="manager")
    users = [User.objects.create_user(f"annotator{run}-{i}") for i in range(annotators)]
    Membership.objects.bulk_create([Membership(project=project, user=u, role="annotator") for u in users])
    sentences = max(1, tags // (2 * annotators))
    rng = random.Random(run)
    texts = [f"Officials praised the heroic resistance number {i} in Caracas." for i in range(sentences)]
    document = Document.objects.create(project=project, title="Bench", text=" ".join(texts),
                                       text_sha256=f"{run:064d}")
    offset, rows = 0, []
    for i, text in enumerate(texts):
        rows.append(Segment(document=document, index=i, start=offset, end=offset + len(text), text=text))
        offset += len(text) + 1
    segments = Segment.objects.bulk_create(rows)
    frames = {label.key: label for label in Label.objects.filter(layer__codebook=codebook, layer__key="framing")}
    loaded = Label.objects.get(layer__codebook=codebook, layer__key="loaded_language", key="loaded_language")
    choices = [frames["morality"], frames["fairness_equality"], frames["political"], frames["economic"]]
    start = texts[0].index("heroic resistance")
    made = []
    for segment in segments:
        for user in users:
            made.append(Annotation(project=project, document=document, segment=segment, annotator=user,
                                   label=rng.choice(choices)))
            made.append(Annotation(project=project, document=document, segment=segment, annotator=user,
                                   label=loaded, start=start, end=start + 17, quote="heroic resistance",
                                   attributes={"polarity": "positive"}))
    with write_path():
        Annotation.objects.bulk_create(made, batch_size=2000)
    SegmentProgress.objects.bulk_create([SegmentProgress(segment=s, annotator=u) for s in segments for u in users])
    return project, manager


def next_version(codebook):
    """Return the published next version: loaded_language renamed, morality merged into fairness_equality."""
    from tests.codebook_versions import next_version as build_next

    return build_next(codebook, renames={"loaded_language": {"loaded_language": "loaded_words"}},
                      merges={"framing": {"fairness_equality": ["morality", "fairness_equality"]}})


def floor(project, user):
    """Do the least a move must: every tag's version raised and a history row for each, in one transaction."""
    from django.db.models import F

    from annotate.models import Annotation
    from annotate.tags import write_path

    with write_path():
        tags = Annotation.objects.filter(project=project)
        tags.update(version=F("version") + 1)
        Annotation.history.bulk_history_create(list(tags), batch_size=1000, update=True, default_user=user)


def timed(call, *args, **kwargs):
    """Return (seconds, result) of one call."""
    started = time.perf_counter()
    result = call(*args, **kwargs)
    return time.perf_counter() - started, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tags", type=int, default=10000)
    parser.add_argument("--annotators", type=int, default=5)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    url = setup_django()
    from annotate.codebook_migration import plan_move
    from annotate.codebook_moving import do_move_codebook
    from annotate.models import Annotation

    figures = {"baseline": [], "plan": [], "move": []}
    target = None
    for run in range(args.runs):
        project, manager = build(2 * run, args.tags, args.annotators)
        copy, copy_manager = build(2 * run + 1, args.tags, args.annotators)
        target = target or next_version(project.codebook)
        tags = Annotation.objects.filter(project=project).count()
        figures["baseline"].append(timed(floor, copy, copy_manager)[0])
        figures["plan"].append(timed(plan_move, project=project, target=target, user=manager)[0])
        seconds, counts = timed(do_move_codebook, project=project, target=target, choices={}, user=manager,
                                expected_codebook=project.codebook_id)
        figures["move"].append(seconds)
        assert Annotation.objects.filter(project=project).count() == tags - counts.get("collapsed", 0)
    base = statistics.median(figures["baseline"])
    print(f"{url.split(':')[0]}: {tags} tags by {args.annotators} annotators, {args.runs} runs, median seconds")
    for name, times in figures.items():
        median = statistics.median(times)
        print(f"  {name:8} {median:7.3f} s   {median / base:5.2f}x the baseline")
    print(f"  collapsed duplicates in the last move: {counts.get('collapsed', 0)}; peak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
