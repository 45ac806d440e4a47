# paramsecrets — build, test and package.
#
# `make test` goes from a fresh Debian machine to a green run: it installs the
# database servers the tests start (make deps) and runs every test with -race.
# `sam build` drives the build-<LogicalId> targets at the end of this file.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

GO       ?= go
DIST     ?= dist
MODULE   := github.com/paramsecrets/paramsecrets
ROTATORS := postgres-single-user postgres-alternating-users mysql-single-user mysql-alternating-users
EXAMPLES := $(notdir $(wildcard examples/*))

# VERSION is the suite's version (semver), from the VERSION file unless given on
# the command line; every binary reports it (-version, the extension's start-up
# line, the User-Agent of its AWS calls).
VERSION := $(shell cat VERSION)

# ARCH is the Lambda architecture of layers and functions: x86_64 (Lambda's and
# template.yaml's default) or arm64. `make build` ignores it: host binaries
# always. sam build sets it through sam/<arch>/Makefile (see the end of this file).
ARCH ?= x86_64
LAMBDA_GOARCH := $(if $(filter x86_64,$(ARCH)),amd64,$(if $(filter arm64,$(ARCH)),arm64))
ifeq ($(LAMBDA_GOARCH),)
$(error ARCH=$(ARCH): want x86_64 or arm64)
endif
ifeq ($(origin GOARCH),command line)
$(error GOARCH is not read here: say ARCH=x86_64 or ARCH=arm64 for layers and functions; make build is always for this host)
endif

# The host, whatever GOOS/GOARCH the environment exports: localaws and the
# tools must run where they are built.
HOST_ENV := GOOS=$(shell $(GO) env GOHOSTOS) GOARCH=$(shell $(GO) env GOHOSTARCH)

# Every binary is static, reproducible (-trimpath) and stamped with VERSION;
# Lambda binaries are stripped and use the lambda.norpc tag because
# provided.al2023 speaks only the Runtime API.
STAMP        := -X $(MODULE)/internal/version.stamped=$(VERSION)
LAMBDA_FLAGS := -trimpath -ldflags='-s -w $(STAMP)' -tags lambda.norpc
LAMBDA_ENV   := CGO_ENABLED=0 GOOS=linux GOARCH=$(LAMBDA_GOARCH)
HOST_BUILD   := CGO_ENABLED=0 $(HOST_ENV) $(GO) build

# Zips are reproducible (internal/pack): entries sorted, modes fixed, every
# timestamp SOURCE_DATE_EPOCH, by default the last commit's time.
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 315532800)
PACK = $(HOST_ENV) CGO_ENABLED=0 $(GO) run ./internal/pack

.PHONY: all build localaws extension rotators examples test test-go lint fmt deps clean bench demo layer package release

all: build

build: localaws extension rotators examples

localaws:
	$(HOST_BUILD) -trimpath -ldflags='$(STAMP)' -o $(DIST)/localaws ./localaws/cmd/localaws

# extension: the layer's two programs, laid out as in the layer: the front
# (extensions/paramsecrets, no AWS SDK: binds and registers first, then execs)
# and the extension it execs (paramsecrets/extension).
extension:
	$(HOST_BUILD) $(LAMBDA_FLAGS) -o $(DIST)/paramsecrets/extension ./extension
	$(HOST_BUILD) $(LAMBDA_FLAGS) -o $(DIST)/extensions/paramsecrets ./extension/front

rotators:
	@for r in $(ROTATORS); do \
	  echo "go build rotators/$$r"; \
	  $(HOST_BUILD) $(LAMBDA_FLAGS) -o $(DIST)/rotators/$$r/bootstrap ./rotators/$$r; \
	done

examples:
	@for e in $(EXAMPLES); do \
	  echo "go build examples/$$e"; \
	  $(HOST_BUILD) $(LAMBDA_FLAGS) -o $(DIST)/examples/$$e/bootstrap ./examples/$$e; \
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
# touched). As root on Debian it installs them; elsewhere it says how.
PG_BIN := $(firstword $(wildcard /usr/lib/postgresql/*/bin/initdb))
deps:
	@missing=""; \
	[ -n "$(PG_BIN)" ] || missing="$$missing postgresql"; \
	command -v mariadb-install-db >/dev/null && { command -v mariadbd >/dev/null || [ -x /usr/sbin/mariadbd ]; } || missing="$$missing mariadb-server"; \
	if [ -z "$$missing" ]; then echo "deps: postgresql and mariadb-server present"; exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "deps: installing$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	else \
	  echo "deps: missing$$missing; install with: sudo apt-get install -y$$missing" >&2; exit 1; \
	fi

clean:
	rm -rf $(DIST) .aws-sam layer/extensions layer/paramsecrets

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
# Packaging: the layer zip and the function zips for ARCH (x86_64 or arm64),
# byte-identical on every run of the same commit.

# layer: LAYER_DIR (layer/) holds exactly what the zip holds, for the last
# architecture built; the zip goes to dist/.
LAYER_DIR ?= layer
layer:
	rm -rf $(LAYER_DIR)/extensions $(LAYER_DIR)/paramsecrets && mkdir -p $(LAYER_DIR)/extensions $(LAYER_DIR)/paramsecrets $(DIST)
	$(LAMBDA_ENV) $(GO) build $(LAMBDA_FLAGS) -o $(LAYER_DIR)/paramsecrets/extension ./extension
	$(LAMBDA_ENV) $(GO) build $(LAMBDA_FLAGS) -o $(LAYER_DIR)/extensions/paramsecrets ./extension/front
	$(PACK) zip -epoch $(SOURCE_DATE_EPOCH) -o $(DIST)/layer-$(ARCH).zip -C $(LAYER_DIR) extensions paramsecrets
	@ls -l $(DIST)/layer-$(ARCH).zip | awk '{print "layer: " $$9 " " $$5 " bytes"}'

package: layer
	@for f in $(addprefix rotators/,$(ROTATORS)) $(addprefix examples/,$(EXAMPLES)); do \
	  n=$$(basename $$f); d=$(DIST)/package-$(ARCH)/$$n; rm -rf $$d && mkdir -p $$d; \
	  $(LAMBDA_ENV) $(GO) build $(LAMBDA_FLAGS) -o $$d/bootstrap ./$$f; \
	  $(PACK) zip -epoch $(SOURCE_DATE_EPOCH) -o $(DIST)/$$n-$(ARCH).zip -C $$d bootstrap; \
	  ls -l $(DIST)/$$n-$(ARCH).zip | awk '{print "function: " $$9 " " $$5 " bytes"}'; \
	done

# release: the layer and every function for both architectures, named
# paramsecrets-<part>-<version>-<arch>.zip, with SHA256SUMS, in RELEASE_DIR.
RELEASE_DIR ?= $(DIST)/release
release:
	@echo '$(VERSION)' | grep -Eq '^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?$$' || \
	  { echo "release: VERSION '$(VERSION)' is not semver (MAJOR.MINOR.PATCH)" >&2; exit 1; }
	rm -rf $(RELEASE_DIR) && mkdir -p $(RELEASE_DIR)
	@for a in x86_64 arm64; do \
	  b=$(RELEASE_DIR)/.build-$$a; \
	  $(MAKE) --no-print-directory package ARCH=$$a VERSION=$(VERSION) SOURCE_DATE_EPOCH=$(SOURCE_DATE_EPOCH) DIST=$$b LAYER_DIR=$$b/layer >/dev/null || exit 1; \
	  cp $$b/layer-$$a.zip $(RELEASE_DIR)/paramsecrets-layer-$(VERSION)-$$a.zip; \
	  for f in $(ROTATORS) $(EXAMPLES); do cp $$b/$$f-$$a.zip $(RELEASE_DIR)/paramsecrets-$$f-$(VERSION)-$$a.zip; done; \
	  rm -rf $$b; \
	done
	$(PACK) sums -o $(RELEASE_DIR)/SHA256SUMS $(RELEASE_DIR)/*.zip
	@cat $(RELEASE_DIR)/SHA256SUMS

# ---------------------------------------------------------------------------
# sam build: one build-<LogicalId> target per template.yaml resource with
# BuildMethod: makefile. SAM (aws-lambda-builders' CustomMakeWorkflow) runs
# `make --makefile <ContextPath>/Makefile build-<LogicalId>` in a copy of the
# source with its own environment plus ARTIFACTS_DIR, and nothing else: not the
# template's Architecture. So template.yaml points ContextPath at
# sam/${Architecture}, whose Makefile sets ARCH and includes this one.

define sam_function
build-$(1):
	$(LAMBDA_ENV) $(GO) build $(LAMBDA_FLAGS) -o $$(ARTIFACTS_DIR)/bootstrap ./$(2)
endef

$(eval $(call sam_function,PostgresSingleUserRotator,rotators/postgres-single-user))
$(eval $(call sam_function,PostgresAlternatingUsersRotator,rotators/postgres-alternating-users))
$(eval $(call sam_function,MySQLSingleUserRotator,rotators/mysql-single-user))
$(eval $(call sam_function,MySQLAlternatingUsersRotator,rotators/mysql-alternating-users))
$(eval $(call sam_function,ExampleFunction,examples/dbreader))

build-ParamSecretsLayer:
	mkdir -p $(ARTIFACTS_DIR)/extensions $(ARTIFACTS_DIR)/paramsecrets
	$(LAMBDA_ENV) $(GO) build $(LAMBDA_FLAGS) -o $(ARTIFACTS_DIR)/paramsecrets/extension ./extension
	$(LAMBDA_ENV) $(GO) build $(LAMBDA_FLAGS) -o $(ARTIFACTS_DIR)/extensions/paramsecrets ./extension/front
