# Generated documentation. Included by the Makefile; uses its $(STAMP) (venv ready) and $(BIN).
#   make diagram                 docs/architecture.dot + docs/architecture.svg from function.json + wiring.tf
#                                (needs Graphviz: apt-get install graphviz); tests/scripts/test_diagram.py
#                                fails while the committed picture is stale

.PHONY: diagram

diagram: $(STAMP) ## Draw the deployed architecture into docs/architecture.svg (Graphviz)
	@$(BIN)/python -m scripts.diagram
