# Local stack: the whole system on this machine (emulator + Terraform + Lambda data plane + API gateway).
# Included by the Makefile; uses its $(STAMP) (venv ready) and $(BIN).
#   make up                      build, start in the background, wait until ready, print the URLs
#   make up ATTACH=1             the same in the foreground with interleaved logs (Ctrl-C stops)
#   make token                   print an ID token of a fresh user: curl -H "authorization: Bearer $(make -s token)" ...
#   make token USER=a@b.c PASSWORD=...   the same for that user (created when unknown)
#   make invoke FN=health        invoke with the function's first sample event (EVENT=<file> sends another)
#   make invoke FN=health EVENT=functions/health/events/route53_health_check.json
#   make logs FN=health          follow a function's log (waits for the first line if it has not run yet)
#   make seed                    reset the stock of the sample SKUs (make up seeds them after the apply)
#   make down                    stop everything (no process is left)
#   make deploy FN=health ENV=local   deploy the function's newest published version with CodeDeploy (canary/linear
#                                per the environment), print traffic %, alarms and hooks; exit 1 when rolled back.
#                                DEPLOY_ARGS="--config CodeDeployDefault.LambdaAllAtOnce", "--publish", "--region R"
#   make chaos                   10,000 order messages (1% poison, 5% duplicates) + a killed worker, then the audit;
#                                CHAOS_ARGS="--messages 300" or "--local-dir .local" (a running `make up`)
# UP_ARGS passes options to `python -m scripts.local up` (see its --help), e.g. UP_ARGS="--api-port 8080".

UP_ARGS ?=

.PHONY: up down invoke logs status token seed chaos deploy

up: $(STAMP) ## Start the local stack in the background (ATTACH=1: foreground); prints the API URL
	@$(BIN)/python -m scripts.local up $(if $(ATTACH),,--detach) $(UP_ARGS)

down: $(STAMP) ## Stop the local stack and every process it started
	@$(BIN)/python -m scripts.local down

invoke: $(STAMP) ## Invoke a function in the running stack: make invoke FN=<name> [EVENT=<file>]
	@if [ -z "$(FN)" ]; then echo "error: give the function: make invoke FN=<name> [EVENT=<file>]" >&2; exit 2; fi
	@$(BIN)/python -m scripts.local invoke "$(FN)" $(if $(EVENT),"$(EVENT)")

logs: $(STAMP) ## Follow a function's log: make logs FN=<name>
	@if [ -z "$(FN)" ]; then echo "error: give the function: make logs FN=<name>" >&2; exit 2; fi
	@$(BIN)/python -m scripts.local logs "$(FN)"

# USER is in every shell's environment (the login name): only USER= given on the command line picks a user.
token: $(STAMP) ## Print only an ID token of the local user pool (USER=<email> PASSWORD=<pw> optional)
	@$(BIN)/python -m scripts.local token $(if $(filter command line,$(origin USER)),--user "$(USER)") \
		$(if $(PASSWORD),--password "$(PASSWORD)")

seed: $(STAMP) ## Reset the stock of the sample SKUs in the running stack (make up seeds it)
	@$(BIN)/python -m scripts.local seed

status: $(STAMP) ## Is the local stack up, and where
	@$(BIN)/python -m scripts.local status

CHAOS_ARGS ?=

chaos: $(STAMP) ## Queue chaos: 10,000 order messages, poison, duplicates, a killed worker; audit (JSON in .cache/chaos.json)
	@mkdir -p .cache
	@$(BIN)/python -m scripts.chaos --json .cache/chaos.json $(CHAOS_ARGS)

DEPLOY_ARGS ?=

deploy: $(STAMP) ## Deploy a function's newest version via CodeDeploy and follow it: make deploy FN=<key> ENV=<local|dev|prod>
	@if [ -z "$(FN)" ] || [ -z "$(ENV)" ]; then echo "error: give the function and environment: make deploy FN=<key> ENV=<local|dev|prod>" >&2; exit 2; fi
	@$(BIN)/python -m scripts.deploy "$(FN)" "$(ENV)" $(DEPLOY_ARGS)
