"""Stage 4, storage and querying: document graphs in, answers out.

In: N-Quads of document graphs. Out: the Oxigraph store, cross-document
merges, validation, SPARQL (named queries, the planner, the server, the push
to a remote endpoint). Must not import explore, evaluate or build.
"""
