"""Write the annotated report as Markdown (CommonMark plus GFM tables): the html report's structure, in text.

Each document: the headline and dateline, the summary (the same facts and
sentences as the html report, from annotate.exporting.summary), then the
article paragraph by paragraph, each followed by its notes as a quoted list
(one item per tag, credited), then the attribution links listed by number,
and a key. Text covered by span annotations is **bold** (overlapping spans
merge into one bold run; the notes list each span with its exact quote);
``[1▸]`` closes the content of link 1 and ``[▸1]`` its source. Characters
from the records that would change meaning are escaped: ``<`` and an ``&``
that starts an entity become entities (so no dialect sees HTML), emphasis,
link, table, strikethrough and math characters and block markers at a line
start get a backslash.
"""

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from itertools import groupby

from .common import doc_offsets
from .dates import readable_date
from .legend import Legend
from .readable import Continued, Paragraph, pieces, runs_on, span_offsets
from .records import DocumentBlock, ExportAnnotation, ExportMeta, ExportSegment
from .report import Article, Link, dateline, grouped, read_article
from .summary import SOURCE_COLUMNS, Summary, summarise
from .words import plural, value_words

INLINE = re.compile(r"([\\`*_\[\]|~$])")
ENTITY_LIKE = re.compile(r"&(?=#?\w+;)")
BLOCK_START = re.compile(r"[#>+-]|\d+[.)]")
COLUMN_NAMES = {"identification": "Who", "affiliation": "Affiliation", "alignment": "Alignment"}


def escape(value) -> str:
    """Escape record text for inline Markdown, on one line."""
    # Entities, not backslashes, for what could open HTML: every Markdown dialect decodes them.
    value = ENTITY_LIKE.sub("&amp;", str(value)).replace("<", "&lt;")
    return INLINE.sub(r"\\\1", value).replace("\r", " ").replace("\n", " ")


def _line(markdown: str) -> str:
    # Leading spaces would open a code block; a leading marker a heading, quote or list.
    markdown = markdown.lstrip()
    found = BLOCK_START.match(markdown)
    if found:
        cut = found.end() - 1
        markdown = f"{markdown[:cut]}\\{markdown[cut:]}"
    return markdown


def export_md(blocks: Iterable[DocumentBlock], meta: ExportMeta) -> Iterator[bytes]:
    """Stream a Markdown document: a document at a time, its text a chunk per paragraph."""
    legend = Legend(meta["codebook"])
    codebook = meta["codebook"]
    filters = ", ".join(f"{key}={value}" for key, value in meta["filters"].items()) or "none"
    about = f"{meta['project'].get('name', '')} · codebook {codebook['name']} v{codebook['version']}"
    yield (f"*{escape(about)} · filters: {escape(filters)} · "
           f"generated {escape(readable_date(meta['generated_at']))}*\n\n").encode()
    for n, block in enumerate(blocks):
        article = read_article(block)
        rule = "---\n\n" if n else ""
        yield (rule + _headline(article) + _summary(summarise(article, codebook), legend)).encode()
        yield b"## The article, annotated\n\n"
        text = _Text(article, legend)
        for paragraph in article.paragraphs:
            yield text.paragraph(paragraph).encode()
        yield (_links(article, legend) + _key(article, legend)).encode()


def _headline(article: Article) -> str:
    document = article.document
    parts = dateline(document, escape=escape, link=_link)
    return f"# {escape(document['title'])}\n\n*Annotated report* · {' · '.join(parts)}\n\n"


def _link(url: str) -> str:
    if url.lower().startswith(("http://", "https://")) and not re.search(r"[\s<>]", url):
        return f"<{url}>"
    return escape(url)


def _sentences(indexes: list[int]) -> str:
    if not indexes:
        return ""
    return ("sentence " if len(indexes) == 1 else "sentences ") + ", ".join(str(i + 1) for i in indexes[:8]) + (
        f" and {len(indexes) - 8} more" if len(indexes) > 8 else "")


def _summary(summary: Summary, legend: Legend) -> str:
    parts = ["## Summary\n\n", f"> {escape(summary.version)}\n\n", "### Dominant frames\n\n"]
    if summary.frames:
        top = summary.frames[0]
        parts.append(f"**Mostly {escape(top.name.lower())}: {len(top.sentences)} of "
                     f"{plural(summary.sentences, 'sentence')} ({top.share}).**\n\n")
        parts += [f"- {escape(frame.name)}: {len(frame.sentences)} ({frame.share})\n" for frame in summary.frames]
        parts.append("\n")
    else:
        parts.append("No sentence carries a frame in this version.\n\n")
    if summary.article_frames:
        parts.append(f"Whole-article frame: {escape('; '.join(summary.article_frames))}.\n\n")
    parts.append("### Who is quoted\n\n")
    if summary.sources:
        parts += [f"{'**' if i == 1 else ''}{escape(line)}{'**' if i == 1 else ''}\n\n"
                  for i, line in enumerate(summary.quoted)]
        head = " | ".join(COLUMN_NAMES[column] for column in SOURCE_COLUMNS)
        parts.append(f"| Source | {head} | Links |\n|---|---|---|---|---|\n")
        for source in summary.sources:
            cells = " | ".join(escape(value_words(source.attributes.get(column, ""))) for column in SOURCE_COLUMNS)
            parts.append(f"| {escape(source.name)} | {cells} | {', '.join(map(str, source.links))} |\n")
        parts.append("\n")
    else:
        parts.append("No attribution links a quote to its source in this version.\n\n")
    if summary.unlinked_sources:
        names = ", ".join(f"“{escape(name)}”" for name in summary.unlinked_sources)
        parts.append(f"Also marked as sources, with no quote linked: {names}.\n\n")
    parts += ["### Loaded terms\n\n", _techniques(summary), "### Claims without attribution\n\n"]
    if summary.claims:
        parts += [f"- “{escape(claim.text)}” ({escape(claim.how)}, sentence {claim.sentence + 1})\n"
                  for claim in summary.claims]
        parts.append("\n")
    else:
        parts.append("None marked in this version.\n\n")
    parts.append("### Missing perspectives\n\n")
    for gap in summary.gaps:
        stakeholder = f" — **{escape(gap.stakeholder)}**" if gap.stakeholder else ""
        notes = "".join(f" {escape(note)}" for note in gap.notes)
        where = f" ({_sentences(gap.sentences)})" if gap.sentences else ""
        credits = escape("; ".join(dict.fromkeys(gap.credits)))
        parts.append(f"- {escape(gap.name)}{stakeholder}.{notes}{where} — {credits}\n")
    parts.append("\n" if summary.gaps else "None recorded in this version.\n\n")
    parts += ["### The outlet\n\n", f"{escape(summary.funding)}\n\n", "### Agreement\n\n",
              f"{escape(summary.agreement_note)}\n\n"]
    parts += [f"- {escape(line)}\n" for line in summary.agreement]
    return "".join(parts) + ("\n" if summary.agreement else "")


def _techniques(summary: Summary) -> str:
    if not summary.techniques:
        return "No loaded language is marked in this version.\n\n"
    total = sum(technique.count for technique in summary.techniques)
    lines = [f"**{plural(total, 'loaded term')}, by technique and voice:**\n\n"]
    for technique in summary.techniques:
        voices = "; ".join(
            f"in {escape(voice)}: " + ", ".join(f"“{escape(term.quote)}” ({term.sentences[0] + 1})" for term in terms)
            for voice, terms in technique.voices.items()
        )
        lines.append(f"- **{escape(technique.name)}** ({technique.count}) {voices}\n")
    return "".join(lines) + "\n"


class _Text:
    """Render one article's paragraphs, each with its notes."""

    def __init__(self, article: Article, legend: Legend) -> None:
        self.article, self.legend = article, legend
        self.anchored: dict[int, list[ExportAnnotation]] = {}
        for a in article.document_tags:
            if a["segment_index"] is not None:
                self.anchored.setdefault(a["segment_index"], []).append(a)

    def paragraph(self, paragraph: Paragraph) -> str:
        sentences, notes = [], []
        for segment in paragraph.segments:
            continued = paragraph.continued.get(segment["id"], [])
            sentences.append(self._sentence(segment, continued))
            notes += self._notes(segment, continued)
        prefix = {"title": "### ", "heading": "### "}.get(paragraph.kind, "")
        body = _line(" ".join(sentences))
        if paragraph.kind == "standfirst" and body:
            body = f"*{body}*"
        return f"{prefix}{body}\n\n" + ("".join(notes) + "\n" if notes else "")

    def _sentence(self, segment: ExportSegment, continued: list[Continued]) -> str:
        markers = {}
        for a in [item.annotation for item in continued] + segment["annotations"]:
            offsets = span_offsets(a, segment)
            if offsets is None or doc_offsets(a, segment)[1] > segment["end"]:
                continue
            for link, role in self.article.ends.get(a["id"], []):
                markers.setdefault(offsets[1], []).append(_marker(link.number, role))
        out, position, run = [], 0, []
        for text, spans in pieces(segment, continued):
            run.append((text, bool(spans)))
            position += len(text)
            if position in markers:
                out.append(_runs(run) + "".join(markers[position]))
                run = []
        return "".join(out) + _runs(run)

    def _notes(self, segment: ExportSegment, continued: list[Continued]) -> list[str]:
        number = f"**{segment['index'] + 1}**"
        items = [f"↳ {escape(self.legend.label_name(c.annotation['layer'], c.annotation['label']))} "
                 f"“{escape(c.annotation['quote'])}” continues from sentence {c.first + 1}" for c in continued]
        for group in grouped(segment["annotations"]):
            items.append(self._item(group, segment))
        for a in self.anchored.get(segment["index"], []):
            items.append(self._item([a], segment))
        tags = [*segment["annotations"], *self.anchored.get(segment["index"], [])]
        accepted = "; ".join(dict.fromkeys(filter(None, map(self.article.accepted, tags))))
        if accepted:
            items.append(f"*{escape(accepted[0].upper() + accepted[1:])}.*")
        return [f"> - {number} {item}\n" for item in items]

    def _item(self, group: list[ExportAnnotation], segment: ExportSegment) -> str:
        a = group[0]
        quote = f" “{escape(a['quote'])}”" if a["scope"] == "span" else ""
        details = self.legend.attributes(a)
        details = f" · {escape(details)}" if details else ""
        notes = "".join(f" · note: {escape(b['note'])}" for b in group if b["note"])
        run = " · *runs on into the next sentence*" if runs_on(a, segment) else ""
        credits = escape("; ".join(dict.fromkeys(self.article.authors(b) for b in group)))
        name = escape(self.legend.label_name(a["layer"], a["label"]))
        return f"{escape(self.legend.layer_name(a['layer']))}: **{name}**{quote}{details}{notes}{run} — {credits}"


def _runs(run: list[tuple[str, bool]]) -> str:
    out = []
    for covered, group in groupby(run, key=lambda piece: piece[1]):
        joined = "".join(text for text, _ in group)
        out.append(_strong(joined) if covered else escape(joined))
    return "".join(out)


def _strong(value: str) -> str:
    # Emphasis cannot open or close next to a space, so spaces stay outside the markers.
    core = value.strip()
    if not core:
        return escape(value)
    lead, trail = value[: len(value) - len(value.lstrip())], value[len(value.rstrip()) :]
    return f"{escape(lead)}**{escape(core)}**{escape(trail)}"


def _marker(number: int, role: str) -> str:
    return {"content": f"\\[{number}▸\\]", "source": f"\\[▸{number}\\]"}.get(role, f"\\[{number} cue\\]")


def _links(article: Article, legend: Legend) -> str:
    if not article.links:
        return ""
    lines = ["## Attribution links\n\n"]
    for link in article.links:
        lines.append(f"{link.number}. {_link_text(link, legend)} — {escape(article.credit(link.relation))}\n")
    return "".join(lines) + "\n"


def _link_text(link: Link, legend: Legend) -> str:
    content = f"“{escape(link.content['quote'])}”" if link.content else "(content)"
    source = f"**{escape(link.source['quote'])}**" if link.source else "(no source)"
    cue = f", cue “{escape(link.cue['quote'])}”" if link.cue else ""
    where = ", ".join(f"sentence {i + 1}" for i in dict.fromkeys(link.sentences()))
    details = legend.attributes(link.relation)
    return f"{content} → {source}{cue} ({where})" + (f" · {escape(details)}" if details else "")


def _key(article: Article, legend: Legend) -> str:
    used = Counter((a["layer"], a["label"]) for a in article.shown())
    lines = ["## Key\n\n", f"{escape(legend.provenance_note(article.shown()))}\n\n"]
    for layer in legend.layers:
        labels = [f"{escape(label['name'])} {used[layer['key'], label['key']]}" for label in layer["labels"]
                  if (layer["key"], label["key"]) in used]
        if labels:
            lines.append(f"- **{escape(layer['name'])}** ({escape(layer['scope'])}): {', '.join(labels)}\n")
    if len(lines) == 2:
        lines.append("No tags.\n")
    return "".join(lines) + "\n"
