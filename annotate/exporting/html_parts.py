"""The parts of the html report around its text: stylesheet, colours, headline, key and colophon."""

from collections import Counter
from html import escape

from .dates import readable_date
from .legend import Legend, safe_color
from .report import Article, dateline
from .words import plural

UNDERLINES = ("solid", "dashed", "dotted", "double")
FALLBACK = safe_color(None)
SANS = "system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif"

STYLE = f"""\
:root{{--ink:#1f2328;--muted:#5b636e;--rule:#d9dce1;--paper:#fff;--wash:#f6f7f9;--link:#455a64}}
*{{box-sizing:border-box}}
body{{font:1rem/1.75 Georgia,'Times New Roman',Times,serif;color:var(--ink);background:var(--paper);margin:0;
  padding:1.5rem clamp(1rem,3vw,2.5rem) 3rem}}
.page{{max-width:84rem;margin:0 auto}}
h1,h2,h3,.sans,.side,.summary,.key,.colophon,.dateline,.kicker{{font-family:{SANS}}}
h1{{font-size:2rem;line-height:1.2;margin:.2rem 0 .4rem}}
h2{{font-size:1.25rem;margin:2rem 0 .6rem;padding-bottom:.3rem;border-bottom:2px solid var(--ink)}}
h3{{font-size:.95rem;margin:0 0 .4rem;text-transform:uppercase;letter-spacing:.04em;color:var(--muted)}}
a{{color:#1a56a8}}
.kicker{{font-size:.8rem;text-transform:uppercase;letter-spacing:.08em;color:var(--muted);margin:0}}
.dateline{{font-size:.9rem;color:var(--muted);margin:0 0 1rem}}
.summary{{font-size:.92rem;line-height:1.5}}
.version{{background:var(--wash);border-left:4px solid var(--link);padding:.5rem .8rem;margin:0 0 1rem}}
.cards{{display:grid;grid-template-columns:repeat(auto-fit,minmax(21rem,1fr));gap:1rem}}
.card{{border:1px solid var(--rule);border-radius:6px;padding:.8rem 1rem;background:var(--paper);
  break-inside:avoid}}
.card p{{margin:.3rem 0}}
.card ul{{margin:.3rem 0;padding-left:1.1rem}}
.card li{{margin:.15rem 0}}
.lead{{font-weight:600}}
.bar{{display:grid;grid-template-columns:minmax(8rem,11rem) 1fr 3.2rem;align-items:center;gap:.5rem;margin:.2rem 0}}
.bar b{{font-weight:600}}
.bar span.track{{background:var(--wash);height:.7rem;border-radius:3px;overflow:hidden}}
.bar span.fill{{display:block;height:100%;background:var(--link)}}
.bar small{{text-align:right;color:var(--muted)}}
table{{border-collapse:collapse;width:100%;font-size:.85rem;margin:.4rem 0}}
th,td{{border-bottom:1px solid var(--rule);padding:.25rem .4rem;text-align:left;vertical-align:top}}
th{{font-weight:600;color:var(--muted)}}
.muted,.by{{color:var(--muted)}}
.by{{font-size:.92em}}
q{{quotes:'“' '”'}}
.text{{display:grid;grid-template-columns:repeat(var(--lanes),1rem) [text] minmax(0,1fr) [notes] minmax(17rem,27rem);
  column-gap:0;row-gap:.2rem;align-items:start}}
.text>.para{{grid-column:text;margin:0 1.5rem .9rem .6rem;max-width:44rem}}
.text>.side{{grid-column:notes;border-left:1px solid var(--rule);padding:0 0 .6rem .8rem;font-size:.76rem;
  line-height:1.4}}
.para.title{{font:700 1.6rem/1.3 {SANS};text-transform:none;letter-spacing:0;color:var(--ink)}}
.para.standfirst{{font-style:italic;font-size:1.08rem}}
.para.heading{{font:700 1.15rem/1.4 {SANS};margin-top:.8rem;text-transform:none;letter-spacing:0;color:var(--ink)}}
.para{{position:relative}}
.lk.in{{position:absolute;top:.35em;bottom:.35em;width:.5rem;margin:0;min-height:0}}
.sn{{margin:0 0 .5rem}}
.sn>a.num{{font-weight:700;text-decoration:none;color:var(--ink);background:var(--wash);border-radius:3px;
  padding:0 .3rem;margin-right:.3rem}}
.sn ul{{list-style:none;margin:.15rem 0 0;padding:0}}
.sn li{{margin:.1rem 0 .2rem;padding-left:.9rem;text-indent:-.9rem}}
.sw{{display:inline-block;width:.7rem;height:.7rem;border-radius:2px;margin-right:.25rem;vertical-align:-.05rem;
  border:1px solid;text-indent:0}}
mark{{background:transparent;color:inherit;padding:0 0 1px;border:0 solid #999;border-bottom-width:2px}}
mark mark{{padding-bottom:4px}}
mark mark mark{{padding-bottom:7px}}
mark mark mark mark{{padding-bottom:10px}}
sup.lkm{{font:700 .68rem/1 {SANS};color:#fff;background:var(--link);border-radius:.6rem;padding:.05rem .3rem;
  margin:0 .1rem;white-space:nowrap}}
sup.lkm.lks{{background:#fff;color:var(--link);border:1.5px solid var(--link)}}
sup.lkm.lkq{{background:#fff;color:var(--link);border:1px dashed var(--link)}}
.lk{{border:2px solid var(--link);border-right:0;border-radius:.5rem 0 0 .5rem;margin:.45rem 0 .9rem .3rem;
  position:relative;align-self:stretch;min-height:1.2rem}}
.lk>b{{position:absolute;left:-.55rem;font:700 .68rem/1 {SANS};color:#fff;background:var(--link);
  border-radius:.6rem;padding:.1rem .28rem}}
.lk.down>b{{top:-.55rem}}
.lk.up>b{{bottom:-.55rem}}
.lk>i{{position:absolute;right:-.45rem;font:normal .8rem/1 {SANS};color:var(--link)}}
.lk.down>i{{bottom:-.5rem}}
.lk.up>i{{top:-.5rem}}
.key{{font-size:.85rem;line-height:1.5}}
.key dl{{display:grid;grid-template-columns:fit-content(20rem) minmax(0,1fr);gap:.2rem 1rem}}
.key dt{{font-weight:600}}
.key dd{{margin:0}}
.chip{{display:inline-block;border:1px solid;border-radius:3px;padding:0 .35rem;margin:0 .25rem .2rem 0;
  font-size:.8rem;line-height:1.5}}
.colophon{{font-size:.78rem;color:var(--muted);border-top:1px solid var(--rule);margin-top:2rem;padding-top:.6rem}}
article+article{{margin-top:4rem;border-top:4px double var(--ink);padding-top:1rem}}
@media screen and (max-width:760px){{.text{{display:block}}.lk{{display:none}}
  .text>.side{{border:0;padding:0 0 1rem 1rem}}}}
@media print{{
  @page{{size:A4;margin:14mm 12mm 16mm}}
  body{{font-size:9.5pt;padding:0}}
  .page{{max-width:none}}
  h2{{break-after:avoid}}
  a{{color:inherit;text-decoration:none}}
  .cards{{grid-template-columns:1fr 1fr;gap:3mm}}
  .text{{grid-template-columns:repeat(var(--lanes),3.2mm) [text] minmax(0,1fr) [notes] 58mm}}
  .text>.para{{margin-right:4mm}}
  .text>.side{{font-size:7.5pt}}
  mark,.chip,.sw,sup.lkm,.lk>b,.bar span{{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
  article+article{{break-before:page;border:0}}
}}
"""


def underlines(legend: Legend) -> dict[int, str]:
    """Return the underline style of each span layer, counted among span layers only."""
    spans = [i for i, layer in enumerate(legend.layers) if layer["scope"] == "span"]
    return {i: UNDERLINES[n % len(UNDERLINES)] for n, i in enumerate(spans)}


def codebook_css(legend: Legend) -> str:
    """Return CSS rules for each layer's underline and each label's colour."""
    rules = [".lyx{border-bottom-style:solid}", f".lbx{{background-color:{FALLBACK}33;border-color:{FALLBACK}}}"]
    styles = underlines(legend)
    for i, layer in enumerate(legend.layers):
        style = styles.get(i, "solid")
        # A double line needs more width than the others to show as two lines.
        width = ";border-bottom-width:4px" if style == "double" else ""
        rules.append(f".ly{i}{{border-bottom-style:{style}{width}}}")
        for j, label in enumerate(layer["labels"]):
            # Colours reach CSS only as #rrggbb, so a codebook entry cannot inject rules.
            color = safe_color(label["color"])
            rules.append(f".lb{i}-{j}{{background-color:{color}33;border-color:{color}}}")
    return "\n".join(rules) + "\n"


def classes(legend: Legend, layer: str, label: str) -> str:
    """Return the CSS classes of a layer and label."""
    i, j = legend.index(layer, label)
    return f"ly{'x' if i is None else i} lb{'x' if j is None else f'{i}-{j}'}"


def swatch(legend: Legend, layer: str, label: str) -> str:
    """Return a small colour square for a label (the label's name always follows it)."""
    return f'<span class="sw {classes(legend, layer, label)}"></span>'


def link(url: str, text: str | None = None) -> str:
    """Return a URL as a link when it is http(s), as text otherwise."""
    shown = escape(text or url)
    if url.lower().startswith(("http://", "https://")):
        return f'<a href="{escape(url)}">{shown}</a>'
    return shown


def headline(article: Article) -> str:
    """Return the article's title and its dateline: outlet, country, author, date, address."""
    document = article.document
    parts = dateline(document, escape=escape, link=lambda url: link(url, "original article"))
    return (
        '<header>\n<p class="kicker">Annotated report</p>\n'
        f"<h1>{escape(document['title'])}</h1>\n"
        f'<p class="dateline">{" · ".join(parts)}</p>\n</header>\n'
    )


def key_section(article: Article, legend: Legend) -> str:
    """Return the key: each layer used in the article, with its underline and the labels it used."""
    used = Counter((a["layer"], a["label"]) for a in article.shown())
    styles = underlines(legend)
    rows = []
    for i, layer in enumerate(legend.layers):
        labels = [label for label in layer["labels"] if (layer["key"], label["key"]) in used]
        if not labels:
            continue
        how = {"span": f"{styles.get(i)} underline in the text", "segment": "named beside the sentence"}.get(
            layer["scope"], "in the summary")
        if layer["scope"] == "relation":
            how = "numbered markers in the text, joined by a line in the left margin"
        chips = "".join(
            f'<span class="chip {classes(legend, layer["key"], label["key"])}" title="{escape(label["definition"])}">'
            f'{escape(label["name"])} <small>{used[layer["key"], label["key"]]}</small></span>'
            for label in labels
        )
        rows.append(f"<dt>{escape(layer['name'])} <small class=\"muted\">({how})</small></dt><dd>{chips}</dd>")
    markers = ('<p><sup class="lkm">1▸</sup> ends the content of link 1, <sup class="lkm lks">▸1</sup> its source, '
               '<sup class="lkm lkq">1</sup> its cue; the numbers in the side notes say who said what.</p>')
    body = f"<dl>{''.join(rows)}</dl>" if rows else "<p>No tags.</p>"
    version = f'<p class="muted">{escape(legend.provenance_note(article.shown()))}</p>'
    return f'<section class="key">\n<h2>Key</h2>\n{version}\n{body}\n{markers}\n</section>\n'


def colophon(article: Article, meta: dict) -> str:
    """Return where the report comes from: project, codebook, filters, when, and whose tags."""
    codebook = meta["codebook"]
    filters = ", ".join(f"{key}={value}" for key, value in meta["filters"].items()) or "none"
    people = Counter(a["annotator"] for a in article.every_tag if not a["gold"])
    counts = ", ".join(f"{name} {n}" for name, n in sorted(people.items())) or "none"
    gold = sum(a["gold"] for a in article.every_tag)
    return (
        '<footer class="colophon">\n'
        f"<p>{escape(meta['project'].get('name') or 'Annotations')} · codebook {escape(codebook['name'])} "
        f"v{escape(str(codebook['version']))} · filters: {escape(filters)} · "
        f"generated {escape(readable_date(meta['generated_at']))}.</p>\n"
        f"<p>Tags in this export: by annotator {escape(counts)}; {plural(gold, 'gold tag')}. "
        f"Sentences: {len(article.segments)}. The json export carries every tag with its history fields.</p>\n"
        "</footer>\n"
    )
