"""Stage 3, graph building: an extraction in, RDF triples out.

In: a ``CleanDocument`` and its ``Extraction``. Out: the document's named
graph as Oxigraph terms and N-Quads, with provenance for every statement.
Must not import store, explore, evaluate or build.
"""
