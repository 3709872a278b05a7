"""The trained NER model as a proposer of mentions (``kg_statistical_ner``).

The model (``kg/models/ner-zh/``, trained on MSRA by ``kg train-ner``) proposes
PER/LOC/ORG spans. The rules stay in charge of what they are sure of: a model
span is only added where no rule-based candidate overlaps it, people become
``Person`` mentions, and an organisation span becomes a body only when it ends
in a known suffix, which also gives its fine class. Places are left to the
gazetteer, which knows their codes.

The model is the slowest stage, and in this genre its one clear gain is people,
who appear next to a title, a byline or a verb of speech. So it only reads the
sentences that carry such a cue; the rules alone handle the rest.
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc

from kg.extract import lexicon as lx
from kg.extract.components import doc_text
from kg.extract.mentions import Mention, org_suffix_class

#: Words near which people are named: titles, bylines, verbs of speech.
PERSON_CUES = re.compile(
    "|".join(sorted(lx.TITLE_WORDS + lx.BYLINE_WORDS, key=len, reverse=True))
    + "|表示|指出|介绍|说|出席|参加|陪同|率|调研|考察"
)

_SURNAME_MIN, _SURNAME_MAX = 2, 4


@Language.factory(
    "kg_statistical_ner",
    requires=["doc._.kg_candidates", "doc._.kg_sentences"],
    assigns=["doc._.kg_candidates"],
    default_config={"model_path": None},
)
def make_statistical_ner(nlp: Language, name: str, model_path: str | None) -> StatisticalNer:
    return StatisticalNer(model_path)


class StatisticalNer:
    """Adds model spans that the rules did not already cover."""

    def __init__(self, model_path: str | None) -> None:
        from pathlib import Path

        from kg.statistical_ner import load_ner_model

        self.model = load_ner_model(Path(model_path) if model_path else None)

    def __call__(self, doc: Doc) -> Doc:
        from kg.statistical_ner import predict_spans

        candidates: list[Mention] = list(doc._.kg_candidates or [])
        cued = [s for s in doc._.kg_sentences or [] if PERSON_CUES.search(s.text)]
        spans: list[tuple[int, int, str]] = []
        found_by_sentence = predict_spans(self.model, [s.text for s in cued])
        for sent, found in zip(cued, found_by_sentence, strict=True):
            spans += [(sent.start + a, sent.start + b, label) for a, b, label in found]
        doc._.kg_candidates = candidates + model_mentions(doc_text(doc), spans, candidates)
        return doc


def model_mentions(
    text: str, spans: list[tuple[int, int, str]], candidates: list[Mention]
) -> list[Mention]:
    """Turn model spans into mentions where the rules have nothing to say."""
    out: list[Mention] = []
    for start, end, label in spans:
        if any(c.start < end and start < c.end for c in candidates):
            continue
        name = text[start:end]
        if label == "PER" and _SURNAME_MIN <= len(name) <= _SURNAME_MAX and name[0] in lx.SURNAMES:
            out.append(Mention(start, end, name, "Person", "ner.person", certain=False))
        elif label == "ORG":
            hit = org_suffix_class(name)
            if hit and len(name) > len(hit[0]) + 1:
                out.append(Mention(start, end, name, hit[1], "ner.org", certain=False))
    return out
