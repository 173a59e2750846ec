"""links.js in Chromium: attribution links drawn from content to source and cue, on one line and across lines."""

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Three spans in one paragraph and a fourth in the next: content, cue and source, as a page would mark them.
BUILD = """() => {
  const area = document.createElement('div');
  area.id = 'area';
  area.style.width = '420px';
  const span = (id, text) => { const s = document.createElement('mark'); s.id = id; s.textContent = text; return s; };
  const first = document.createElement('p');
  first.append(span('content', 'a lifeline'), ' was sent, ', span('cue', 'said'), ' ', span('near', 'the minister'));
  const second = document.createElement('p');
  second.append('Later on, ', span('far', 'a spokesman of the ministry'), ' added more.');
  area.append(first, second);
  document.querySelector('main').replaceChildren(area);
}"""


@pytest.fixture
def links_page(browser, live_server):
    context = browser.new_context(viewport={"width": 1024, "height": 768}, base_url=live_server.url)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto("/accounts/login/")
    page.add_style_tag(url="/static/annotate/links.css")
    page.add_script_tag(url="/static/annotate/links.js")
    page.evaluate(BUILD)
    yield page
    context.close()
    assert errors == []


def draw(page, links):
    page.evaluate("""(links) => {
      const at = (id) => document.getElementById(id);
      const link = ([from, to, kind, label]) => ({from: at(from), to: at(to), kind, label});
      AnnotateLinks.draw(at('area'), links.map(link));
    }""", links)


def paths(page):
    return page.eval_on_selector_all("#area svg.lk-layer path.lk-path", "(ps) => ps.map((p) => ["
                                     "p.getAttribute('d'), p.getAttribute('class'), p.getAttribute('marker-end')])")


def test_a_link_on_one_line_is_an_arc_above_the_text_with_its_label(links_page):
    draw(links_page, [["content", "near", "source", "source"]])
    [(d, css, marker)] = paths(links_page)
    assert "lk-source" in css and marker.endswith("-source)")
    content_top = links_page.eval_on_selector("#content", "(e) => e.getBoundingClientRect().top")
    area_top = links_page.eval_on_selector("#area", "(e) => e.getBoundingClientRect().top")
    numbers = [float(n) for n in d.replace("M", " ").replace("C", " ").replace(",", " ").split()]
    # The curve's control points rise above both ends: an arc over the line, not a line through the words.
    assert min(numbers[3], numbers[5]) < content_top - area_top
    assert links_page.text_content("#area svg .lk-label") == "source"
    assert links_page.get_attribute("#area svg.lk-layer", "aria-hidden") == "true"


def test_a_link_across_paragraphs_runs_through_the_left_margin(links_page):
    draw(links_page, [["content", "far", "source", "source"], ["content", "cue", "cue", "cue"]])
    (margin, _, _), (_, cue_css, cue_marker) = paths(links_page)
    xs = [float(x) for x, _ in re.findall(r"(-?[\d.]+),(-?[\d.]+)", margin)]
    text_left = links_page.eval_on_selector("#far", "(e) => e.getBoundingClientRect().left - "
                                            "document.getElementById('area').getBoundingClientRect().left")
    assert min(xs) < text_left  # out in the gutter, left of the text
    # It leaves and enters the spans from above their line, never across the words before them.
    tops = links_page.evaluate("""() => ['content', 'far'].map((id) => document.getElementById(id)
      .getBoundingClientRect().top - document.getElementById('area').getBoundingClientRect().top)""")
    ys = [float(y) for _, y in re.findall(r"(-?[\d.]+),(-?[\d.]+)", margin)]
    assert max(ys) <= max(tops) + 0.5 and all(y <= tops[0] + 0.5 or y <= tops[1] + 0.5 for y in ys)
    assert "lk-cue" in cue_css and cue_marker.endswith("-cue)")
    assert links_page.eval_on_selector_all("#area svg .lk-label", "(ts) => ts.map((t) => t.textContent)") == [
        "source", "cue"]


def test_links_follow_the_text_when_it_reflows_and_clear_removes_them(links_page):
    draw(links_page, [["content", "far", "source", "source"]])
    before = paths(links_page)[0][0]
    links_page.eval_on_selector("#area", "(e) => { e.style.width = '200px'; }")
    links_page.wait_for_function("(d) => document.querySelector('#area path.lk-path').getAttribute('d') !== d",
                                 arg=before)
    links_page.evaluate("AnnotateLinks.clear(document.getElementById('area'))")
    assert paths(links_page) == []


def test_a_link_to_a_hidden_or_missing_end_is_left_out(links_page):
    links_page.eval_on_selector("#far", "(e) => { e.hidden = true; e.style.display = 'none'; }")
    draw(links_page, [["content", "far", "source", "hidden"], ["content", "near", "source", "shown"]])
    assert len(paths(links_page)) == 1
    assert links_page.text_content("#area svg .lk-label") == "shown"
