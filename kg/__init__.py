"""kg: build, query and explore knowledge graphs from Chinese local-governance news.

The data flows one way: ingest → clean → normalise → extract → graph → store/query/viz.
"""

__version__ = "0.1.0"
