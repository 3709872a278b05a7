"""Stage 5, exploring: a stored graph in, views of it out.

In: a ``GraphStore`` or an rdflib graph. Out: the networkx view, statistics,
export formats, tables and the offline HTML network. Must not import evaluate,
build or cli.
"""
