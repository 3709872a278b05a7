"""The rules: what the genre states in fixed forms, one family per module.

Mention rules take the Simplified text and token boundaries and return
``Mention`` objects (``mention``, ``places``, ``organisations``, ``quoted``,
``enumerations``, ``people``). Relation rules take one sentence as a
``SentenceView`` (``sentence``) and yield ``Relation`` objects
(``containment``, ``cooperation``, ``membership``, ``brands``, ``leadership``,
``location``, ``publishing``). All are pure functions; the spaCy components
in ``kg/extract/components.py`` run them, and the trained models use their
votes as features. Word lists live in ``kg/extract/lexicon.py``.
"""
