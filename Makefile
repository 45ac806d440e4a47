# paramsecrets — build, test and package.
#
# `make test` goes from a fresh Debian machine to a green run: it installs the
# database servers the tests start (make deps) and runs every test with -race.
# `sam build` drives the build-<LogicalId> targets at the end of this file.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

GO       ?= go
DIST     ?= dist
GOOS     ?= $(shell $(GO) env GOOS)
GOARCH   ?= $(shell $(GO) env GOARCH)
ROTATORS := postgres-single-user postgres-alternating-users mysql-single-user mysql-alternating-users
EXAMPLES := $(notdir $(wildcard examples/*))

# Lambda binaries are static, stripped and reproducible; rotators use the
# lambda.norpc tag because provided.al2023 speaks only the Runtime API.
LAMBDA_ENV   := CGO_ENABLED=0
LAMBDA_FLAGS := -trimpath -ldflags='-s -w' -tags lambda.norpc

.PHONY: all build localaws extension rotators examples test test-go lint fmt deps clean bench demo layer package

all: build

build: localaws extension rotators examples

localaws:
	$(LAMBDA_ENV) $(GO) build -trimpath -o $(DIST)/localaws ./localaws/cmd/localaws

extension:
	$(LAMBDA_ENV) GOOS=$(GOOS) GOARCH=$(GOARCH) $(GO) build $(LAMBDA_FLAGS) -o $(DIST)/extensions/paramsecrets ./extension

rotators:
	@for r in $(ROTATORS); do \
	  echo "go build rotators/$$r"; \
	  $(LAMBDA_ENV) GOOS=$(GOOS) GOARCH=$(GOARCH) $(GO) build $(LAMBDA_FLAGS) -o $(DIST)/rotators/$$r/bootstrap ./rotators/$$r; \
	done

examples:
	@for e in $(EXAMPLES); do \
	  echo "go build examples/$$e"; \
	  $(LAMBDA_ENV) GOOS=$(GOOS) GOARCH=$(GOARCH) $(GO) build $(LAMBDA_FLAGS) -o $(DIST)/examples/$$e/bootstrap ./examples/$$e; \
	done

# test: everything. deps first, so a fresh machine needs nothing else.
test: deps lint test-go

test-go:
	$(GO) test -race -timeout 40m ./...

lint:
	@unformatted="$$(gofmt -l $$(git ls-files -co --exclude-standard '*.go'))"; \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...

fmt:
	gofmt -w $$(git ls-files -co --exclude-standard '*.go')

# deps installs what the tests start: PostgreSQL and MariaDB server binaries
# (the tests run throwaway servers from them; the system services are never
# touched), and zip for the layer. As root on Debian it installs them;
# elsewhere it says how.
PG_BIN := $(firstword $(wildcard /usr/lib/postgresql/*/bin/initdb))
deps:
	@missing=""; \
	[ -n "$(PG_BIN)" ] || missing="$$missing postgresql"; \
	command -v mariadb-install-db >/dev/null && { command -v mariadbd >/dev/null || [ -x /usr/sbin/mariadbd ]; } || missing="$$missing mariadb-server"; \
	command -v zip >/dev/null || missing="$$missing zip"; \
	if [ -z "$$missing" ]; then echo "deps: postgresql, mariadb-server and zip present"; exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "deps: installing$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	else \
	  echo "deps: missing$$missing; install with: sudo apt-get install -y$$missing" >&2; exit 1; \
	fi

clean:
	rm -rf $(DIST) .aws-sam layer/extensions

# demo: the suite end to end, offline (internal/demo): builds the layer, the
# example function and the rotators as static bootstraps, starts localaws and
# throwaway PostgreSQL and MariaDB servers, runs everything under the Lambda
# Runtime Interface Emulator (layer at /opt), rotates every demo secret and
# shows the function reading the new credentials. Stops all it started.
demo: deps
	$(GO) run ./internal/demo

# bench: throughput, latency, start-up time and memory of the extension, and
# one full rotation per rotator. Measurements, never pass/fail on speed.
bench: deps
	extension/bench/run.sh
	$(GO) test -run='^$$' -bench=Rotation -benchmem -benchtime=20x ./rotators/...

# soak: zero downtime, proven (internal/soak). The four rotators rotate back
# to back for SOAK_SECONDS under application traffic while every fault is
# injected on every rotator (database restart, cut network path, killed
# rotator, Secrets Manager throttling and 5xx, a hung upstream). Prints a
# table, writes dist/soak.json, fails if the promise broke. Not part of test,
# which runs the short version (go test ./internal/soak).
SOAK_SECONDS ?= 180
.PHONY: soak
soak: deps
	$(GO) run ./internal/soak/cmd/soak -duration $(SOAK_SECONDS)s -json $(DIST)/soak.json -logs $(DIST)/soak-logs

# ---------------------------------------------------------------------------
# Packaging: the layer zip and the function zips, for the host or for
# GOARCH=amd64|arm64 (Lambda's x86_64 and arm64).

ZIP_ARCH = $(if $(filter arm64,$(GOARCH)),arm64,x86_64)

# layer: LAYER_DIR (layer/) holds exactly what the zip holds, for the last
# architecture built; the zip goes to dist/.
LAYER_DIR ?= layer
layer:
	@command -v zip >/dev/null || { echo "layer: zip is missing; run make deps" >&2; exit 1; }
	rm -rf $(LAYER_DIR)/extensions && mkdir -p $(LAYER_DIR)/extensions $(DIST)
	$(LAMBDA_ENV) GOOS=linux GOARCH=$(GOARCH) $(GO) build $(LAMBDA_FLAGS) -o $(LAYER_DIR)/extensions/paramsecrets ./extension
	rm -f $(DIST)/layer-$(ZIP_ARCH).zip
	cd $(LAYER_DIR) && zip -q -X -r $(abspath $(DIST))/layer-$(ZIP_ARCH).zip extensions
	@ls -l $(DIST)/layer-$(ZIP_ARCH).zip | awk '{print "layer: " $$9 " " $$5 " bytes"}'

package: layer
	@for f in $(addprefix rotators/,$(ROTATORS)) $(addprefix examples/,$(EXAMPLES)); do \
	  n=$$(basename $$f); d=$(DIST)/package-$(ZIP_ARCH)/$$n; rm -rf $$d && mkdir -p $$d; \
	  $(LAMBDA_ENV) GOOS=linux GOARCH=$(GOARCH) $(GO) build $(LAMBDA_FLAGS) -o $$d/bootstrap ./$$f; \
	  rm -f $(DIST)/$$n-$(ZIP_ARCH).zip; (cd $$d && zip -q -X ../../$$n-$(ZIP_ARCH).zip bootstrap); \
	  ls -l $(DIST)/$$n-$(ZIP_ARCH).zip | awk '{print "function: " $$9 " " $$5 " bytes"}'; \
	done

# ---------------------------------------------------------------------------
# sam build: one build-<LogicalId> target per template.yaml resource with
# BuildMethod: makefile. SAM sets ARTIFACTS_DIR; the architecture comes from
# GOARCH (set it to arm64 with Architecture=arm64), else the build host's.

define sam_function
build-$(1):
	$(LAMBDA_ENV) GOOS=linux GOARCH=$(GOARCH) $(GO) build $(LAMBDA_FLAGS) -o $$(ARTIFACTS_DIR)/bootstrap ./$(2)
endef

$(eval $(call sam_function,PostgresSingleUserRotator,rotators/postgres-single-user))
$(eval $(call sam_function,PostgresAlternatingUsersRotator,rotators/postgres-alternating-users))
$(eval $(call sam_function,MySQLSingleUserRotator,rotators/mysql-single-user))
$(eval $(call sam_function,MySQLAlternatingUsersRotator,rotators/mysql-alternating-users))
$(eval $(call sam_function,ExampleFunction,examples/dbreader))

build-ParamSecretsLayer:
	mkdir -p $(ARTIFACTS_DIR)/extensions
	$(LAMBDA_ENV) GOOS=linux GOARCH=$(GOARCH) $(GO) build $(LAMBDA_FLAGS) -o $(ARTIFACTS_DIR)/extensions/paramsecrets ./extension
