"""Measuring extraction against gold: graphs and annotations in, scores out.

In: a graph (or a trained pipeline's output) and gold annotations. Out:
precision, recall and F1 by class and relation, cross-validated over folds.
Sits beside ``build``: it may use every stage, and no stage may import it.
"""
