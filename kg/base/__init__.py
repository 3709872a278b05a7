"""Foundations every stage may use: the ontology's vocabulary and safe file writes.

In: nothing from kg but ``kg.errors``. Out: names (:mod:`kg.base.vocab`) and
atomic writes (:mod:`kg.base.fsutil`). Must not import any stage package.
"""
