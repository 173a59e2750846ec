"""The facts an editor reads first: frames, loaded terms, who is quoted, gaps, funding, agreement.

Every figure is computed from the tags of the version the report shows
(annotate.exporting.report), and every sentence here is plain text that the
html and md writers escape and lay out, so both formats say the same thing.

Decisions where the codebook leaves room:

- A frame's weight is the number of sentences that carry it (whoever gave
  it), out of all the article's sentences; "No frame" is not a frame.
- A loaded term is in a quoted source's voice when at least half of it lies
  inside a content span linked to a source; otherwise in the outlet's own
  voice, unless its annotator said "quoted source" (then an unnamed quoted
  voice).
- Sources are counted once per name (case and spacing ignored), however
  often they are quoted; a source's affiliation and alignment are the
  values its relations give most often.
- Claims without attribution are sentences marked as unattributed claims,
  and content spans that no relation links to a source.
- Agreement is measured on the annotators' own tags, before review, as the
  dashboard does (annotate.dashboard): Krippendorff's alpha (nominal) per
  sentence layer, alpha over words and mean pairwise F1 per phrase layer.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from .report import Article, span_range
from .words import listing, number, plural, share, value_words

FRAMING, ARTICLE_FRAME, LOADED, ATTRIBUTION, CLAIMS, MISSING = (
    "framing", "article_frame", "loaded_language", "attribution", "claim_sourcing", "missing_perspectives")
NOT_FRAMES = {"no_frame"}
TOP_FRAMES = 5
SOURCE_COLUMNS = ("identification", "affiliation", "alignment")
# How a group of sources reads after "are": "7 of 9 attributed sources are government officials".
GROUP_WORDS = {
    "government": "government officials",
    "government_own": "officials of the outlet's own government",
    "government_foreign": "officials of a foreign government",
    "state_media": "state media",
    "independent_media": "independent media",
    "party": "party figures",
    "intergovernmental": "intergovernmental bodies",
    "ngo": "NGOs",
    "academic": "academics",
    "industry": "industry figures",
    "affected_person": "people affected",
}
ALIGNMENT_WORDS = {"supports": "support the article's thesis"}
SINGULAR = {"supports": "supports the article's thesis", "opposes": "opposes the article's thesis",
            "independent": "is independent of the article's thesis"}
OUTLET_VOICE = "the outlet's own voice"


@dataclass(slots=True)
class Frame:
    layer: str
    label: str
    name: str
    sentences: list[int]  # indexes
    share: str


@dataclass(slots=True)
class Term:
    quote: str
    sentences: list[int]


@dataclass(slots=True)
class Technique:
    layer: str
    label: str
    name: str
    count: int
    voices: dict[str, list[Term]]  # voice -> terms, in reading order


@dataclass(slots=True)
class Source:
    name: str
    attributes: dict[str, str]  # column -> value in words
    links: list[int]  # link numbers
    sentences: list[int]
    cues: list[str]


@dataclass(slots=True)
class Claim:
    sentence: int
    text: str
    how: str


@dataclass(slots=True)
class Gap:
    name: str
    stakeholder: str
    notes: list[str]
    sentences: list[int]
    credits: list[str]


@dataclass(slots=True)
class Summary:
    version: str
    sentences: int
    frames: list[Frame] = field(default_factory=list)
    article_frames: list[str] = field(default_factory=list)
    techniques: list[Technique] = field(default_factory=list)
    quoted: list[str] = field(default_factory=list)  # sentences about the sources as a group
    sources: list[Source] = field(default_factory=list)
    unlinked_sources: list[str] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    funding: str = ""
    agreement: list[str] = field(default_factory=list)
    agreement_note: str = ""


def summarise(article: Article, codebook: dict) -> Summary:
    """Return the summary facts of one article."""
    from .agreement_lines import agreement_lines  # numpy is imported only when a report is written

    names = Names(codebook)
    summary = Summary(version=_version(article), sentences=len(article.segments))
    summary.frames = _frames(article, names)
    summary.article_frames = [
        f"{names.label(a)}" + (f" ({value_words(a['attributes']['genre'])})" if a["attributes"].get("genre") else "")
        + f", by {article.credit(a)}"
        for a in article.document_tags if a["layer"] == ARTICLE_FRAME
    ]
    summary.techniques = _techniques(article, names)
    summary.sources, summary.unlinked_sources = _sources(article)
    summary.quoted = _quoted(summary.sources, codebook)
    summary.claims = _claims(article)
    summary.gaps = _gaps(article, names)
    summary.funding = _funding(article)
    summary.agreement_note, summary.agreement = agreement_lines(article, codebook)
    return summary


class Names:
    """Look up the codebook's names of labels."""

    def __init__(self, codebook: dict) -> None:
        self.labels = {(layer["key"], label["key"]): label["name"]
                       for layer in codebook["layers"] for label in layer["labels"]}

    def label(self, a: dict) -> str:
        return self.labels.get((a["layer"], a["label"]), a["label"])



def _version(article: Article) -> str:
    shown = article.shown()
    if not article.every_tag:
        return "Nobody has tagged this article in this export yet."
    annotators = listing(article.annotators()) or "no annotator in this export"
    if article.gold:
        waiting = Counter(a["status"] for a in article.every_tag if not a["gold"] and a["status"] != "accepted")
        rest = ""
        if waiting:
            states = listing([f"{n} {status}" for status, n in sorted(waiting.items())])
            rest = f" Annotators' tags not accepted ({states}) are not shown."
        reviewers = listing(sorted({a["reviewer"] or a["annotator"] for a in shown}))
        return (f"This report reads the gold version: {plural(len(shown), 'tag')} accepted by {reviewers}, "
                f"from the work of {annotators}.{rest}")
    rejected = len(article.every_tag) - len(shown)
    rest = f" {plural(rejected, 'rejected tag')} {'is' if rejected == 1 else 'are'} not shown." if rejected else ""
    return f"No gold version yet: this report shows the tags of {annotators} as given ({len(shown)}).{rest}"


def _frames(article: Article, names: Names) -> list[Frame]:
    sentences = defaultdict(set)
    for segment in article.segments:
        for a in segment["annotations"]:
            if a["layer"] == FRAMING and a["scope"] == "segment" and a["label"] not in NOT_FRAMES:
                sentences[a["layer"], a["label"]].add(segment["index"])
    ranked = sorted(sentences.items(), key=lambda item: (-len(item[1]), item[0]))[:TOP_FRAMES]
    total = len(article.segments)
    return [Frame(layer, label, names.labels.get((layer, label), label), sorted(found), share(len(found), total))
            for (layer, label), found in ranked]


def _voices(article: Article) -> list[tuple[int, int, str]]:
    """Return (start, end, voice) of each content span linked to a source."""
    found = []
    segments = {segment["index"]: segment for segment in article.segments}
    for link in article.links:
        if link.content is None or link.source is None:
            continue
        offsets = span_range(link.content, segments.get(link.content["segment_index"]))
        if offsets:
            found.append((*offsets, link.source["quote"]))
    return found


def _voice(start: int, end: int, tag: dict, voices: list[tuple[int, int, str]]) -> str:
    speakers = [name for s, e, name in voices if 2 * max(0, min(end, e) - max(start, s)) >= end - start]
    if speakers:
        return f"the voice of {listing(sorted(set(speakers)))}"
    if (tag.get("attributes") or {}).get("voice") == "quoted_source":
        return "a quoted source's voice (no source linked)"
    return OUTLET_VOICE


def _techniques(article: Article, names: Names) -> list[Technique]:
    voices = _voices(article)
    found: dict[tuple[str, str], Technique] = {}
    for segment in article.segments:
        for a in segment["annotations"]:
            offsets = span_range(a, segment)
            if a["layer"] != LOADED or offsets is None:
                continue
            key = (a["layer"], a["label"])
            technique = found.setdefault(key, Technique(*key, names.label(a), 0, {}))
            technique.count += 1
            terms = technique.voices.setdefault(_voice(*offsets, a, voices), [])
            same = next((term for term in terms if term.quote.casefold() == a["quote"].casefold()), None)
            if same is None:
                terms.append(Term(a["quote"], [segment["index"]]))
            elif segment["index"] not in same.sentences:
                same.sentences.append(segment["index"])
    return sorted(found.values(), key=lambda technique: (-technique.count, technique.name))


def _sources(article: Article) -> tuple[list[Source], list[str]]:
    grouped: dict[str, list] = {}
    for link in sorted(article.links, key=lambda link: -len(link.source["quote"]) if link.source else 0):
        if link.source is None:
            continue
        name = _normal(link.source["quote"])
        # "Nicolás Maduro" is the "Venezuelan President Nicolás Maduro" named earlier: one source.
        known = next((known for known in grouped if _within(name, known)), name)
        grouped.setdefault(known, []).append(link)
    sources = []
    for links in grouped.values():
        attributes = {}
        for column in SOURCE_COLUMNS:
            given = Counter(link.relation["attributes"].get(column) for link in links)
            given.pop(None, None), given.pop("", None)
            if given:
                attributes[column] = given.most_common(1)[0][0]
        links.sort(key=lambda link: link.number)
        sources.append(Source(
            name=max((link.source["quote"] for link in links), key=len), attributes=attributes,
            links=[link.number for link in links],
            sentences=sorted({link.content["segment_index"] for link in links if link.content}),
            cues=[link.cue["quote"] for link in links if link.cue is not None],
        ))
    linked = {link.source["id"] for link in article.links if link.source is not None}
    unlinked = {}
    for segment in article.segments:
        for a in segment["annotations"]:
            if a["layer"] == ATTRIBUTION and a["label"] == "source" and a["id"] not in linked:
                if not any(_within(_normal(a["quote"]), known) for known in grouped):
                    unlinked.setdefault(_normal(a["quote"]), a["quote"])
    return sources, list(unlinked.values())


def _normal(name: str) -> str:
    return " ".join(name.split()).casefold()


def _within(name: str, known: str) -> bool:
    """Return whether a normalised name is another's, or the last words of it (a name after its title)."""
    return name == known or known.endswith(" " + name)


def _quoted(sources: list[Source], codebook: dict) -> list[str]:
    """Return the sentences that describe the attributed sources as a group."""
    if not sources:
        return []
    total = len(sources)
    lines = [f"{plural(total, 'source')} {'is' if total == 1 else 'are'} quoted or cited by name or role, "
             f"in {plural(sum(len(s.links) for s in sources), 'attribution')}."]
    affiliation = _affiliation_line(sources, _choices(codebook, "affiliation"))
    if affiliation:
        lines.append(affiliation)
    alignment = _alignment_line(sources)
    if alignment:
        lines.append(alignment)
    return lines


def _choices(codebook: dict, attribute: str) -> list[str]:
    for layer in codebook["layers"]:
        for spec in layer.get("attributes", []):
            if spec["key"] == attribute and layer["scope"] == "relation":
                return list(spec.get("choices") or [])
    return []


def _affiliation_line(sources: list[Source], choices: list[str]) -> str:
    """Say which affiliation (or family of them, such as two governments) most sources share."""
    values = Counter(source.attributes.get("affiliation") for source in sources)
    values.pop(None, None)
    if not values:
        return ""
    groups = Counter(values)
    # Values that share a first word in the codebook (government_own, government_foreign) also count as one group.
    families = defaultdict(list)
    for value in values:
        head = value.split("_", 1)[0]
        if sum(choice.split("_", 1)[0] == head for choice in choices) > 1 and "_" in value:
            families[head].append(value)
    for head, members in families.items():
        if len(members) > 1:
            groups[head] = sum(values[member] for member in members)
    group, n = max(groups.items(), key=lambda item: (item[1], item[0] in families))
    total = len(sources)
    if total == 1:
        return f"The one attributed source is affiliated with {value_words(group)}."
    words = GROUP_WORDS.get(group, value_words(group))
    detail = ""
    if group in families and len(families[group]) > 1:
        detail = " (" + ", ".join(f"{values[m]} {value_words(m.split('_', 1)[1])}" for m in families[group]) + ")"
    lead = f"All {number(total)}" if n == total else f"{n} of {total}"
    sentence = f"{lead} attributed sources are {words}{detail}."
    others = [f"{GROUP_WORDS.get(value, value_words(value))} ({count})" for value, count in values.most_common()
              if value != group and not value.startswith(group + "_")]
    unknown = total - sum(values.values())
    if unknown:
        others.append(f"no affiliation given ({unknown})")
    return sentence + (f" The rest: {listing(others)}." if others else "")


def _alignment_line(sources: list[Source]) -> str:
    values = Counter(source.attributes.get("alignment") for source in sources)
    if set(values) == {None}:
        return ""
    total = len(sources)
    if total == 1:
        (value,) = values
        return f"It {SINGULAR.get(value, 'is ' + value_words(value))}." if value else "Its alignment is not rated."
    supports = values.pop("supports", 0)
    opposes = values.pop("opposes", 0)
    lead = f"All {number(total)}" if supports == total else f"{supports} of {total}"
    parts = [f"{lead} {ALIGNMENT_WORDS['supports']}"]
    parts += [f"{count} {value_words(value)}" for value, count in values.most_common() if value is not None]
    if values.get(None):
        parts.append(f"{values[None]} not rated")
    against = "none opposes it" if not opposes else f"{opposes} {'opposes' if opposes == 1 else 'oppose'} it"
    return f"{listing(parts)}; {against}."


def _claims(article: Article) -> list[Claim]:
    linked = {link.content["id"] for link in article.links if link.content is not None}
    found, seen = [], set()
    for segment in article.segments:
        for a in segment["annotations"]:
            if a["layer"] == CLAIMS and a["scope"] == "segment" and ("s", segment["index"]) not in seen:
                seen.add(("s", segment["index"]))
                found.append(Claim(segment["index"], segment["text"], "marked as a claim without attribution"))
            elif (a["layer"] == ATTRIBUTION and a["label"] == "content" and a["id"] not in linked
                  and ("c", _normal(a["quote"])) not in seen):
                seen.add(("c", _normal(a["quote"])))
                found.append(Claim(segment["index"], a["quote"], "attributed content with no source linked"))
    return found


def _gaps(article: Article, names: Names) -> list[Gap]:
    grouped: dict[tuple[str, str], Gap] = {}
    for a in article.document_tags:
        if a["layer"] != MISSING:
            continue
        stakeholder = (a["attributes"] or {}).get("stakeholder") or ""
        gap = grouped.setdefault((a["label"], stakeholder), Gap(names.label(a), value_words(stakeholder), [], [], []))
        if a["note"] and a["note"] not in gap.notes:
            gap.notes.append(a["note"])
        if a["segment_index"] is not None and a["segment_index"] not in gap.sentences:
            gap.sentences.append(a["segment_index"])
        gap.credits.append(article.credit(a))
    return list(grouped.values())


def _funding(article: Article) -> str:
    source = article.document["source"] or {}
    outlet = source.get("name") or "The outlet"
    if source.get("funding_note"):
        return f"{outlet}: {source['funding_note']}"
    return f"No funding note is recorded for {outlet}."

