"""The trained NER model as a proposer of mentions (``kg_statistical_ner``).

The model (``kg/models/ner-zh/``, trained on MSRA by ``kg train-ner``) proposes
PER/LOC/ORG spans. The rules stay in charge of what they are sure of: a model
span is only added where no rule-based candidate overlaps it, people become
``Person`` mentions, and an organisation span becomes a body only when it ends
in a known suffix, which also gives its fine class. Places are left to the
gazetteer, which knows their codes.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from kg.extract.mentions import Mention, org_suffix_class

_SURNAME_MIN, _SURNAME_MAX = 2, 4


@Language.factory(
    "kg_statistical_ner",
    requires=["doc._.kg_candidates"],
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
        spans = next(iter(predict_spans(self.model, [doc.text])))
        doc._.kg_candidates = candidates + model_mentions(doc.text, spans, candidates)
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
        if label == "PER" and _SURNAME_MIN <= len(name) <= _SURNAME_MAX:
            out.append(Mention(start, end, name, "Person", "ner.person", certain=False))
        elif label == "ORG":
            hit = org_suffix_class(name)
            if hit and len(name) > len(hit[0]) + 1:
                out.append(Mention(start, end, name, hit[1], "ner.org", certain=False))
    return out
