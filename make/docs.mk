# Generated documentation. Included by the Makefile; uses its $(STAMP) (venv ready) and $(BIN).
#   make diagram                 docs/architecture.dot + docs/architecture.svg from function.json + wiring.tf
#                                (needs Graphviz: apt-get install graphviz); tests/scripts/test_diagram.py
#                                fails while the committed picture is stale
#   make openapi                 docs/openapi/<function>.json for every HTTP function, from its Powertools
#                                resolver; tests/scripts/test_openapi.py fails while one is stale

.PHONY: diagram openapi

diagram: $(STAMP) ## Draw the deployed architecture into docs/architecture.svg (Graphviz)
	@$(BIN)/python -m scripts.diagram

openapi: $(STAMP) ## Write each HTTP function's OpenAPI document to docs/openapi/ (served at /docs locally)
	@$(BIN)/python -m scripts.openapi
