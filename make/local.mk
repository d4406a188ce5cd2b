# Local stack: the whole system on this machine (emulator + Terraform + Lambda data plane + API gateway).
# Included by the Makefile; uses its $(STAMP) (venv ready) and $(BIN).
#   make up                      build, start in the background, wait until ready, print the URLs
#   make up ATTACH=1             the same in the foreground with interleaved logs (Ctrl-C stops)
#   make invoke FN=health EVENT=functions/health/events/get.json
#   make logs FN=health          follow a function's log
#   make down                    stop everything (no process is left)
# UP_ARGS passes options to `python -m scripts.local up` (see its --help), e.g. UP_ARGS="--api-port 8080".

UP_ARGS ?=

.PHONY: up down invoke logs status

up: $(STAMP) ## Start the local stack in the background (ATTACH=1: foreground); prints the API URL
	@$(BIN)/python -m scripts.local up $(if $(ATTACH),,--detach) $(UP_ARGS)

down: $(STAMP) ## Stop the local stack and every process it started
	@$(BIN)/python -m scripts.local down

invoke: $(STAMP) ## Invoke a function in the running stack: make invoke FN=<name> EVENT=<file>
	@if [ -z "$(FN)" ]; then echo "error: give the function: make invoke FN=<name> EVENT=<file>" >&2; exit 2; fi
	@$(BIN)/python -m scripts.local invoke "$(FN)" $(if $(EVENT),"$(EVENT)")

logs: $(STAMP) ## Follow a function's log: make logs FN=<name>
	@if [ -z "$(FN)" ]; then echo "error: give the function: make logs FN=<name>" >&2; exit 2; fi
	@$(BIN)/python -m scripts.local logs "$(FN)"

status: $(STAMP) ## Is the local stack up, and where
	@$(BIN)/python -m scripts.local status
