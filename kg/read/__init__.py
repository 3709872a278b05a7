"""Stage 1, reading: files and folders in, clean documents out.

In: paths (text, HTML, PDF, Word, JSON Lines). Out: ``RawDocument`` and
``CleanDocument`` (:mod:`kg.model`) or a ``Failure`` naming the file.
Must not import extract, graph, store, explore, evaluate or build.
"""
