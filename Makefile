# kg: build, query and explore knowledge graphs from Chinese local-governance news.
# `make demo` and `make test` work on a fresh clone: they create .venv first.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.kg-installed
SHARED := ../shared

.PHONY: demo test test-slow eval train cv train-ner lint bench clean venv

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,notebook]'
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/kg build seeds/ -o build/
	@echo
	@echo "graph (Turtle): $(CURDIR)/build/graph.ttl"
	@echo "graph (TriG):   $(CURDIR)/build/graph.trig"
	@echo "network (HTML): $(CURDIR)/build/graph.html"

test: $(STAMP)
	$(BIN)/python -m pytest -q

test-slow: $(STAMP)
	$(BIN)/python -m pytest -q -m slow

eval: $(STAMP)
	mkdir -p benchmarks/results
	$(BIN)/kg eval $(SHARED)/eval/ -o benchmarks/results/eval-seed.md
	$(BIN)/kg eval $(SHARED)/eval/dev/ -o benchmarks/results/eval-dev.md
	cat benchmarks/results/eval-seed.md benchmarks/results/eval-dev.md > benchmarks/results/eval.md
	rm benchmarks/results/eval-seed.md benchmarks/results/eval-dev.md
	@echo "written: benchmarks/results/eval.md"

# the mention tagger and relation classifier, from ../shared/ only, into kg/models/
train: $(STAMP)
	$(BIN)/kg train -o kg/models

# cross-validation on the dev set, the learning curve and the ablation
cv: $(STAMP)
	mkdir -p benchmarks/results
	$(BIN)/python benchmarks/crossval.py

train-ner: $(STAMP)
	$(BIN)/kg train-ner -o training/output --ship

lint: $(STAMP)
	$(BIN)/ruff check kg tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf build .pytest_cache
