"""Sample tags by the two demo annotators on the TeleSUR article, so the review and dashboard pages have data.

They cover the first dozen sentences and the seven sentences CODEBOOK.md
takes its examples from, on every layer, and disagree the way annotators
do: other labels, other span boundaries, a sentence one annotator tags and
the other marks done with nothing to tag.
"""

from django.contrib.auth import get_user_model
from django.db import transaction

from annotate.models import Annotation, Label, Layer, Segment, SegmentProgress
from annotate.services import save_annotation
from annotate.validation import check_annotation

TITLE = "Sanctions, Solidarity and Sovereignty: The Untold Story of Iran-Venezuela Relations"
NBSP = "\xa0"
IRAN_VENEZUELA = "Iran and Venezuela"


def seg(layer, label, **attributes):
    """A label on the whole sentence."""
    return ("segment", layer, label, None, attributes)


def span(layer, label, quote, **attributes):
    """A label on a phrase of the sentence, found by its exact words."""
    return ("span", layer, label, quote, attributes)


def loaded(label, quote, polarity, target, **attributes):
    """A loaded-language span with its required polarity and its target."""
    return span("loaded_language", label, quote, polarity=polarity, target=target, **attributes)


def link(content, source, cue=None, **attributes):
    """An attributed_to relation between this annotator's attribution spans, named by their quotes."""
    return ("relation", content, source, cue, attributes)


def attribution(source, cue, content):
    """The source, cue and content spans of one attribution."""
    return [span("attribution", "source", source), span("attribution", "cue", cue),
            span("attribution", "content", content)]


FACTUAL = seg("sentence_bias", "non_biased", opinion="entirely_factual")
OPINIONATED = seg("sentence_bias", "biased", opinion="somewhat_factual_but_opinionated")
WRITERS_OPINION = seg("sentence_bias", "biased", opinion="expresses_writers_opinion")
EXTERNAL = seg("framing", "external_relations")
ROBUST_ALLIANCE = ("What began as formal diplomatic ties in 1947 has evolved into a robust alliance, particularly "
                   "under the leadership of Venezuela’s Bolivarian Revolution and Iran’s Islamic Republic.")
LIFELINE = ("In 2020, when U.S. sanctions crippled Venezuela’s fuel imports, Iran stepped in with a lifeline, 2.35 "
            f"million barrels of gasoline, paid for with{NBSP}9 tons of gold ($500 million).")
BOLD_MOVE = ("This bold move demonstrated their willingness to defy U.S. restrictions through alternative trade "
             "mechanisms.")
ECHOED = (f"Iranian officials, including Parliament Speaker{NBSP}Mohammad Bagher Ghalibaf, have echoed this sentiment, "
          f"declaring that{NBSP}“true allies stand together in hardship.”")

# (sentence text, segment kind, {annotator: tags}); texts are verbatim, non-breaking spaces included.
SENTENCES = [
    (TITLE, "title", {
        "annotator1": [seg("framing", "external_relations", frame_function="moral_evaluation"), WRITERS_OPINION,
                       loaded("loaded_language", "The Untold Story", "positive", "Iran-Venezuela relations",
                              voice="author")],
        "annotator2": [EXTERNAL, seg("framing", "political"), OPINIONATED,
                       loaded("loaded_language", "Untold Story", "positive", "Iran-Venezuela relations"),
                       loaded("appeal_to_values", "Solidarity and Sovereignty", "positive", IRAN_VENEZUELA)],
    }),
    ("Formal relations between Iran and Venezuela were established in 1947, but it was not until the 1960s "
     "that their partnership gained strategic significance.", "standfirst", {
        "annotator1": [EXTERNAL, FACTUAL],
        "annotator2": [EXTERNAL, FACTUAL],
    }),
    (f"For over seven decades, Iran and Venezuela have cultivated a partnership rooted in{NBSP}"
     f"anti-imperialismenergy sovereignty, and{NBSP}multipolar diplomacy.", "body", {
        "annotator1": [EXTERNAL, seg("framing", "cultural_identity", frame_function="moral_evaluation"),
                       WRITERS_OPINION,
                       loaded("appeal_to_values", "anti-imperialism", "positive", IRAN_VENEZUELA, voice="author"),
                       loaded("appeal_to_values", "multipolar diplomacy", "positive", IRAN_VENEZUELA)],
        "annotator2": [EXTERNAL, seg("framing", "political"), OPINIONATED,
                       loaded("loaded_language", f"rooted in{NBSP}anti-imperialism", "positive", IRAN_VENEZUELA)],
    }),
    (ROBUST_ALLIANCE, "body", {
        "annotator1": [EXTERNAL, seg("framing", "political"), OPINIONATED,
                       loaded("loaded_language", "robust alliance", "positive", IRAN_VENEZUELA,
                              neutral_alternative="close relations")],
        "annotator2": [EXTERNAL, seg("sentence_bias", "non_biased", opinion="somewhat_factual_but_opinionated"),
                       loaded("loaded_language", "robust", "positive", "the alliance")],
    }),
    (f"Today, their relationship stands as a model of{NBSP}South-South cooperation, challenging Western hegemony "
     "while advancing mutual economic and political interests.", "body", {
        "annotator1": [EXTERNAL, seg("framing", "economic"), WRITERS_OPINION,
                       loaded("appeal_to_values", f"a model of{NBSP}South-South cooperation", "positive",
                              IRAN_VENEZUELA),
                       loaded("name_calling", "Western hegemony", "negative", "Western countries",
                              neutral_alternative="Western influence")],
        "annotator2": [EXTERNAL, seg("framing", "cultural_identity", frame_function="moral_evaluation"),
                       WRITERS_OPINION, loaded("loaded_language", "model", "positive", IRAN_VENEZUELA),
                       loaded("name_calling", "Western hegemony", "negative", "United States and its allies")],
    }),
    ("Historical Foundations: From OPEC to Anti-Imperialist Unity", "heading", {
        "annotator1": [seg("framing", "no_frame"), FACTUAL],
        "annotator2": [seg("framing", "cultural_identity"), OPINIONATED,
                       loaded("slogan", "Anti-Imperialist Unity", "positive", IRAN_VENEZUELA, voice="author")],
    }),
    ("Formal relations between Iran and Venezuela were established in 1947, but it was not until the 1960s "
     "that their partnership gained strategic significance.", "body", {
        "annotator1": [EXTERNAL, FACTUAL],
        "annotator2": [EXTERNAL, FACTUAL],
    }),
    (f"As founding members of the{NBSP}Organization of the Petroleum Exporting Countries (OPEC), both nations "
     "recognized the need to assert control over their hydrocarbon resources against Western corporate "
     "dominance.", "body", {
        "annotator1": [seg("framing", "economic", frame_function="problem_definition"), EXTERNAL, OPINIONATED,
                       loaded("loaded_language", "Western corporate dominance", "negative", "Western oil companies")],
        "annotator2": [seg("framing", "economic"), OPINIONATED,
                       loaded("loaded_language", "corporate dominance", "negative", "Western companies")],
    }),
    ("The early diplomatic engagements were marked by mutual respect but limited collaboration.", "body", {
        "annotator1": [EXTERNAL, FACTUAL],
        "annotator2": [EXTERNAL, FACTUAL,
                       loaded("appeal_to_values", "mutual respect", "positive", IRAN_VENEZUELA)],
    }),
    ("In 1970, both countries appointed ambassadors, moving away from concurrent representation in "
     "Washington.", "body", {
        "annotator1": [EXTERNAL, FACTUAL],
        "annotator2": [seg("framing", "no_frame"), FACTUAL],
    }),
    ("The Shah of Iran visited Venezuela in 1975, followed by Venezuelan President Carlos Andrés Pérez’s "
     "reciprocal trip to Tehran in 1977.", "body", {
        "annotator1": [EXTERNAL, FACTUAL],
        "annotator2": [EXTERNAL, FACTUAL],
    }),
    ("However, relations faced turbulence in the 1990s, including a diplomatic incident in 1991 when Venezuela "
     f"briefly declared the Iranian ambassador{NBSP}persona non grata.", "body", {
        "annotator1": [EXTERNAL, FACTUAL,
                       loaded("slanted_word_choice", "turbulence", "negative", "Iran-Venezuela relations",
                              neutral_alternative="strain")],
        "annotator2": [EXTERNAL, seg("framing", "political"), FACTUAL, seg("claim_sourcing", "unattributed_claim")],
    }),
    ("Chávez’s famous declaration: “Iran is transferring technology to us, something almost no other country "
     "does”, encapsulated the new spirit of cooperation.", "body", {
        "annotator1": [EXTERNAL, seg("framing", "capacity_resources"), WRITERS_OPINION,
                       loaded("appeal_to_authority", "famous", "positive", "Chávez"),
                       loaded("loaded_language", "the new spirit of cooperation", "positive", IRAN_VENEZUELA),
                       *attribution("Chávez", "declaration",
                                    "“Iran is transferring technology to us, something almost no other country does”"),
                       link("“Iran is transferring technology to us, something almost no other country does”",
                            "Chávez", "declaration", form="direct_quote", identification="named_individual",
                            affiliation="government_own", alignment="supports", cue_stance="endorsing")],
        "annotator2": [EXTERNAL, WRITERS_OPINION,
                       loaded("appeal_to_authority", "famous declaration", "positive", "Chávez"),
                       *attribution("Chávez", "declaration",
                                    "Iran is transferring technology to us, something almost no other country does"),
                       link("Iran is transferring technology to us, something almost no other country does",
                            "Chávez", "declaration", form="direct_quote", identification="named_individual",
                            affiliation="government_own", alignment="supports", cue_stance="neutral")],
    }),
    (LIFELINE, "body", {
        "annotator1": [seg("framing", "external_relations", frame_function="moral_evaluation"),
                       seg("framing", "capacity_resources"), seg("framing", "economic"), OPINIONATED,
                       seg("claim_sourcing", "unattributed_claim"),
                       loaded("loaded_language", "lifeline", "positive", "Iran", neutral_alternative="shipment",
                              voice="author"),
                       loaded("loaded_language", "crippled", "negative", "U.S. sanctions", neutral_alternative="cut")],
        "annotator2": [seg("framing", "external_relations", frame_function="moral_evaluation"),
                       seg("framing", "economic"), WRITERS_OPINION, seg("claim_sourcing", "unattributed_claim"),
                       loaded("loaded_language", "lifeline", "positive", "Iran", neutral_alternative="shipment"),
                       loaded("exaggeration_minimisation", "sanctions crippled", "negative", "U.S. sanctions")],
    }),
    (BOLD_MOVE, "body", {
        "annotator1": [EXTERNAL, seg("framing", "political"), WRITERS_OPINION,
                       loaded("loaded_language", "bold move", "positive", IRAN_VENEZUELA),
                       loaded("loaded_language", "defy", "positive", IRAN_VENEZUELA),
                       loaded("slanted_word_choice", "restrictions", "negative", "U.S. sanctions",
                              neutral_alternative="sanctions")],
        "annotator2": [EXTERNAL, WRITERS_OPINION,
                       loaded("loaded_language", "This bold move", "positive", IRAN_VENEZUELA),
                       loaded("loaded_language", "defy U.S. restrictions", "positive", IRAN_VENEZUELA)],
    }),
    ("In 2022, Iranian Foreign Minister Hossein Amir-Abdollahian visited Venezuela, Cuba, and Nicaragua, "
     "reaffirming their shared commitment to resisting U.S. coercion.", "body", {
        "annotator1": [EXTERNAL, seg("framing", "political"), OPINIONATED,
                       loaded("slanted_word_choice", "coercion", "negative", "United States",
                              neutral_alternative="pressure"),
                       *attribution("Iranian Foreign Minister Hossein Amir-Abdollahian", "reaffirming",
                                    "their shared commitment to resisting U.S. coercion"),
                       link("their shared commitment to resisting U.S. coercion",
                            "Iranian Foreign Minister Hossein Amir-Abdollahian", "reaffirming", form="paraphrase",
                            identification="named_individual", affiliation="government_foreign",
                            alignment="supports", cue_stance="aligning")],
        "annotator2": [EXTERNAL, OPINIONATED,
                       *attribution("Hossein Amir-Abdollahian", "reaffirming",
                                    "shared commitment to resisting U.S. coercion"),
                       link("shared commitment to resisting U.S. coercion", "Hossein Amir-Abdollahian",
                            "reaffirming", form="paraphrase", identification="named_individual",
                            affiliation="government_foreign", alignment="supports", cue_stance="neutral")],
    }),
    (f"During the visit, Venezuelan President Nicolás Maduro praised the{NBSP}“productive” talks, vowing to "
     "strengthen technological and industrial ties.", "body", {
        "annotator1": [EXTERNAL, seg("framing", "economic"), FACTUAL,
                       *attribution("Venezuelan President Nicolás Maduro", "praised", f"the{NBSP}“productive” talks"),
                       span("attribution", "cue", "vowing"),
                       span("attribution", "content", "to strengthen technological and industrial ties"),
                       link(f"the{NBSP}“productive” talks", "Venezuelan President Nicolás Maduro", "praised",
                            form="paraphrase", identification="named_individual", affiliation="government_own",
                            alignment="supports", cue_stance="neutral"),
                       link("to strengthen technological and industrial ties", "Venezuelan President Nicolás Maduro",
                            "vowing", form="paraphrase", identification="named_individual",
                            affiliation="government_own", alignment="supports", cue_stance="neutral")],
        "annotator2": [EXTERNAL, OPINIONATED,
                       *attribution("Nicolás Maduro", "praised", "“productive” talks"),
                       link("“productive” talks", "Nicolás Maduro", "praised", form="paraphrase",
                            identification="named_individual", affiliation="government_own", alignment="supports",
                            cue_stance="neutral")],
    }),
    (ECHOED, "body", {
        "annotator1": [EXTERNAL, seg("framing", "political"), OPINIONATED,
                       loaded("slogan", "true allies stand together in hardship", "positive", IRAN_VENEZUELA,
                              voice="quoted_source"),
                       *attribution("Mohammad Bagher Ghalibaf", "have echoed", "this sentiment"),
                       span("attribution", "cue", "declaring"),
                       span("attribution", "content", "“true allies stand together in hardship.”"),
                       link("this sentiment", "Mohammad Bagher Ghalibaf", "have echoed", form="allusion_no_content",
                            identification="named_individual", affiliation="government_foreign",
                            alignment="supports", cue_stance="aligning"),
                       link("“true allies stand together in hardship.”", "Mohammad Bagher Ghalibaf", "declaring",
                            form="direct_quote", identification="named_individual",
                            affiliation="government_foreign", alignment="supports", cue_stance="neutral")],
        "annotator2": [EXTERNAL, OPINIONATED,
                       *attribution(f"Parliament Speaker{NBSP}Mohammad Bagher Ghalibaf", "have echoed",
                                    "this sentiment"),
                       link("this sentiment", f"Parliament Speaker{NBSP}Mohammad Bagher Ghalibaf", "have echoed",
                            form="allusion_no_content", identification="named_individual",
                            affiliation="government_foreign", alignment="supports", cue_stance="aligning")],
    }),
    (f"As{NBSP}Nicolás Maduro{NBSP}declared in 2025,{NBSP}“Together, we are weaving the new world order.”", "body", {
        "annotator1": [EXTERNAL, seg("framing", "cultural_identity"), OPINIONATED,
                       loaded("slogan", "Together, we are weaving the new world order", "positive", IRAN_VENEZUELA,
                              voice="quoted_source"),
                       *attribution("Nicolás Maduro", "declared", "“Together, we are weaving the new world order.”"),
                       link("“Together, we are weaving the new world order.”", "Nicolás Maduro", "declared",
                            form="direct_quote", identification="named_individual", affiliation="government_own",
                            alignment="supports", cue_stance="neutral")],
        "annotator2": [EXTERNAL, seg("framing", "political"), WRITERS_OPINION,
                       loaded("slogan", "“Together, we are weaving the new world order.”", "positive",
                              IRAN_VENEZUELA, voice="quoted_source"),
                       *attribution("Nicolás Maduro", "declared", "“Together, we are weaving the new world order.”"),
                       link("“Together, we are weaving the new world order.”", "Nicolás Maduro", "declared",
                            form="direct_quote", identification="named_individual", affiliation="government_own",
                            alignment="supports", cue_stance="neutral")],
    }),
]

# (annotator, label, stakeholder, anchor sentence or None, note)
MISSING = [
    ("annotator1", "counter_perspective_missing", "us_government", LIFELINE,
     "The U.S. government's stated reasons for the sanctions are never given."),
    ("annotator1", "affected_population_missing", "affected_citizens", LIFELINE,
     "Ordinary Venezuelans living with fuel shortages are not heard."),
    ("annotator1", "independent_expert_missing", "independent_analysts", LIFELINE,
     "No shipping or energy data checks the 2.35 million barrels."),
    ("annotator1", "context_missing", "independent_analysts", LIFELINE,
     "PDVSA's own refining collapse, a cause of the fuel shortage, is not mentioned."),
    ("annotator1", "source_funding_undisclosed", "other", None, "TeleSUR's state funding is not disclosed."),
    ("annotator2", "counter_perspective_missing", "us_government", BOLD_MOVE,
     "Why the U.S. restricts these trades is not explained."),
    ("annotator2", "counter_perspective_missing", "venezuelan_opposition", ROBUST_ALLIANCE,
     "The Venezuelan opposition's view of the alliance is absent."),
    ("annotator2", "data_provenance_missing", "independent_analysts", LIFELINE,
     "The barrels, the gold and the dollar figure have no source."),
    ("annotator2", "one_sided_sourcing", "independent_analysts", ECHOED,
     "Every quoted source is an Iranian or Venezuelan official."),
]
ARTICLE_FRAMES = [("annotator1", "external_relations", "opinion"), ("annotator2", "political", "opinion")]


def add_sample_annotations(project):
    """Add the sample tags and progress marks to the project's TeleSUR article; return how many tags were new."""
    document = project.documents.get(title=TITLE)
    users = {user.username: user for user in get_user_model().objects.filter(username__in=["annotator1", "annotator2"])}
    labels = {(label.layer.key, label.key): label
              for label in Label.objects.filter(layer__codebook=project.codebook_id).select_related("layer")}
    segments = list(Segment.objects.filter(document=document))
    sentences = [(_sentence(segments, text, kind), by_annotator) for text, kind, by_annotator in SENTENCES]
    created = 0
    with transaction.atomic():
        for segment, by_annotator in sentences:
            for username, tags in by_annotator.items():
                user = users[username]
                SegmentProgress.objects.get_or_create(segment=segment, annotator=user)
                spans = {}
                for shape, *rest in tags:
                    base = {"project": project, "document": document, "segment": segment, "annotator": user}
                    if shape == "relation":
                        content, source, cue, attributes = rest
                        label = labels["attribution_relation", "attributed_to"]
                        fields = {"relation_content": spans["content", content],
                                  "relation_source": spans["source", source],
                                  "relation_cue": spans["cue", cue] if cue else None}
                    else:
                        layer, key, quote, attributes = rest
                        label = labels[layer, key]
                        start = None if quote is None else segment.text.index(quote)
                        fields = {"start": start, "end": None if quote is None else start + len(quote),
                                  "quote": quote or ""}
                    annotation, new = _add(Annotation(**base, label=label, attributes=attributes, **fields), user)
                    created += new
                    if label.layer.key == "attribution":
                        spans[key, quote] = annotation
        for username, key, stakeholder, anchor, note in MISSING:
            segment = anchor and _sentence(segments, anchor)
            created += _add(Annotation(project=project, document=document, segment=segment, annotator=users[username],
                                       label=labels["missing_perspectives", key], note=note,
                                       attributes={"stakeholder": stakeholder}), users[username])[1]
        for username, key, genre in ARTICLE_FRAMES:
            created += _add(Annotation(project=project, document=document, annotator=users[username],
                                       label=labels["article_frame", key], attributes={"genre": genre}),
                            users[username])[1]
    return created


def _sentence(segments, text, kind=None):
    """Return the segment with exactly this text (and kind, where the article repeats a sentence)."""
    found = [segment for segment in segments if segment.text == text and kind in (None, segment.kind)]
    if not found:
        raise ValueError(f"no {kind or ''} sentence reading {text[:60]!r} in the article")
    return found[0]


def _add(annotation, user):
    """Return (the stored copy of the tag, False), or check and save it and return (it, True)."""
    same = Annotation.objects.filter(
        project=annotation.project, document=annotation.document, segment=annotation.segment,
        annotator=annotation.annotator, label=annotation.label, start=annotation.start, end=annotation.end,
        relation_content=annotation.relation_content, relation_source=annotation.relation_source, gold=False,
    )
    # An article can carry one label several times with other attributes (two stakeholders missing).
    if annotation.label.layer.scope == Layer.Scope.DOCUMENT:
        same = [existing for existing in same if existing.attributes == annotation.attributes]
    existing = next(iter(same), None)
    if existing is not None:
        return existing, False
    check_annotation(annotation)
    return save_annotation(annotation, user=user), True
