"""Lay out the summary facts (annotate.exporting.summary) as the opening cards of the html report."""

from html import escape

from .html_parts import swatch
from .legend import Legend
from .summary import SOURCE_COLUMNS, Summary
from .words import plural, value_words

MAX_SENTENCE_LINKS = 8
COLUMN_NAMES = {"identification": "Who", "affiliation": "Affiliation", "alignment": "Alignment"}


def summary_html(summary: Summary, doc: str, legend: Legend) -> str:
    """Return the summary section: the version read, then one card per question an editor asks."""
    cards = [
        _card("Dominant frames", _frames(summary, doc, legend)),
        _card("Who is quoted", _quoted(summary, doc)),
        _card("Loaded terms", _techniques(summary, doc, legend)),
        _card("Claims without attribution", _claims(summary, doc)),
        _card("Missing perspectives", _gaps(summary, doc)),
        _card("The outlet", f"<p>{escape(summary.funding)}</p>"),
        _card("Agreement", _agreement(summary)),
    ]
    return (
        f'<section class="summary" id="d{doc}-summary">\n<h2>Summary</h2>\n'
        f'<p class="version">{escape(summary.version)}</p>\n<div class="cards">\n{"".join(cards)}</div>\n</section>\n'
    )


def sentence_links(doc: str, indexes: list[int]) -> str:
    """Return links to sentences by their number, counted from 1 as the text numbers them."""
    shown = [f'<a href="#d{doc}-s{i}">{i + 1}</a>' for i in indexes[:MAX_SENTENCE_LINKS]]
    more = f" and {len(indexes) - MAX_SENTENCE_LINKS} more" if len(indexes) > MAX_SENTENCE_LINKS else ""
    word = "sentence" if len(indexes) == 1 else "sentences"
    return f'<span class="muted">{word} {", ".join(shown)}{more}</span>' if indexes else ""


def _card(title: str, body: str) -> str:
    return f'<section class="card">\n<h3>{escape(title)}</h3>\n{body}\n</section>\n'


def _none(what: str) -> str:
    return f'<p class="muted">{escape(what)}</p>'


def _frames(summary: Summary, doc: str, legend: Legend) -> str:
    if not summary.frames:
        body = _none("No sentence carries a frame in this version.")
    else:
        rows = []
        for frame in summary.frames:
            n = len(frame.sentences)
            width = round(100 * n / summary.sentences) if summary.sentences else 0
            rows.append(
                f'<div class="bar"><b>{swatch(legend, frame.layer, frame.label)}{escape(frame.name)}</b>'
                f'<span class="track"><span class="fill" style="width:{width}%"></span></span>'
                f"<small>{escape(frame.share)}</small></div>"
            )
        top = summary.frames[0]
        lead = (f'<p class="lead">Mostly {escape(top.name.lower())}: {len(top.sentences)} of '
                f"{plural(summary.sentences, 'sentence')} ({escape(top.share)}).</p>")
        body = lead + "".join(rows)
    if summary.article_frames:
        body += "<p>Whole-article frame: " + "; ".join(escape(frame) for frame in summary.article_frames) + ".</p>"
    return body


def _quoted(summary: Summary, doc: str) -> str:
    if not summary.sources:
        body = _none("No attribution links a quote to its source in this version.")
    else:
        lead = "".join(f'<p class="{"lead" if i == 1 else ""}">{escape(line)}</p>'
                       for i, line in enumerate(summary.quoted))
        head = "".join(f"<th>{COLUMN_NAMES[column]}</th>" for column in SOURCE_COLUMNS)
        rows = []
        for source in summary.sources:
            cells = "".join(f"<td>{escape(value_words(source.attributes.get(column, '')))}</td>"
                            for column in SOURCE_COLUMNS)
            numbers = " ".join(f'<sup class="lkm lks">▸{n}</sup>' for n in source.links)
            rows.append(f"<tr><td><b>{escape(source.name)}</b> {numbers}</td>{cells}</tr>")
        body = f"{lead}<table><tr><th>Source</th>{head}</tr>{''.join(rows)}</table>"
    if summary.unlinked_sources:
        names = ", ".join(f"<q>{escape(name)}</q>" for name in summary.unlinked_sources)
        body += f"<p>Also marked as sources, with no quote linked: {names}.</p>"
    return body


def _techniques(summary: Summary, doc: str, legend: Legend) -> str:
    if not summary.techniques:
        return _none("No loaded language is marked in this version.")
    total = sum(technique.count for technique in summary.techniques)
    items = []
    for technique in summary.techniques:
        voices = []
        for voice, terms in technique.voices.items():
            quoted = ", ".join(f'<q>{escape(term.quote)}</q> <a class="muted" href="#d{doc}-s{term.sentences[0]}">'
                               f"{term.sentences[0] + 1}</a>" for term in terms)
            voices.append(f"in {escape(voice)}: {quoted}")
        items.append(f"<li>{swatch(legend, technique.layer, technique.label)}<b>{escape(technique.name)}</b> "
                     f"({technique.count}) {'; '.join(voices)}</li>")
    return f'<p class="lead">{plural(total, "loaded term")}, by technique and voice:</p><ul>{"".join(items)}</ul>'


def _claims(summary: Summary, doc: str) -> str:
    if not summary.claims:
        return _none("None marked in this version.")
    items = "".join(
        f'<li><q>{escape(claim.text)}</q> <span class="muted">({escape(claim.how)}, '
        f'<a href="#d{doc}-s{claim.sentence}">sentence {claim.sentence + 1}</a>)</span></li>'
        for claim in summary.claims
    )
    return f'<p class="lead">{plural(len(summary.claims), "claim")} with no source:</p><ul>{items}</ul>'


def _gaps(summary: Summary, doc: str) -> str:
    if not summary.gaps:
        return _none("None recorded in this version.")
    items = []
    for gap in summary.gaps:
        stakeholder = f" — <b>{escape(gap.stakeholder)}</b>" if gap.stakeholder else ""
        notes = "".join(f" {escape(note)}" for note in gap.notes)
        where = f" {sentence_links(doc, gap.sentences)}" if gap.sentences else ""
        credits = f' <span class="by">({escape("; ".join(dict.fromkeys(gap.credits)))})</span>'
        items.append(f"<li>{escape(gap.name)}{stakeholder}.{notes}{where}{credits}</li>")
    return f"<ul>{''.join(items)}</ul>"


def _agreement(summary: Summary) -> str:
    lines = "".join(f"<li>{escape(line)}</li>" for line in summary.agreement)
    return f"<p>{escape(summary.agreement_note)}</p>" + (f"<ul>{lines}</ul>" if lines else "")
