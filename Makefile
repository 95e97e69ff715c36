# Manifold: build, run and test the Go workspace.
#
# `go test ./...` at the workspace root does not cross module boundaries, so
# every target that covers the code loops over MODULES.
#
# GOFLAGS from the environment applies to every go command as usual. This is a
# workspace (go.work): never set -mod=mod or -mod=vendor in it.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
# Targets run one after another: test starts services, then uses them.
.NOTPARALLEL:

MODULES := shared migrations server desktop

export PATH := $(PATH):/usr/local/go/bin
GO ?= go
GOFMT ?= gofmt
# Flags for the binaries only (go build), not for go vet or go test.
BUILDFLAGS ?= -trimpath
# Flags for go test; the CI and `make test` use the defaults.
TESTFLAGS ?= -race -count=1
export GO TESTFLAGS
# Build tags of the packing station: the Wails desktop runtime, production assets.
STATION_TAGS := desktop,production
# Arguments for `make bench`, passed to `manifold bench`.
BENCH_ARGS ?=

WITH_SERVICES := scripts/with-services.sh

.PHONY: help run test build server station lint vet fmt-check test-go deps \
	services-up services-down services-env station-screenshot bench clean

help:
	@echo 'make run                 start Postgres+Redis if needed, migrate, demo tenant, serve+worker'
	@echo 'make test                install test deps, vet, go test -race in every module, build the station'
	@echo 'make build               bin/manifold and bin/manifold-station'
	@echo 'make lint                go vet and gofmt'
	@echo 'make services-up         start (or find) Postgres and Redis; print their env'
	@echo 'make services-down       stop what services-up started'
	@echo 'make station-screenshot  run the station under Xvfb, save out/station.png'
	@echo 'make bench               manifold bench against the services'
	@echo 'make clean               remove bin/ and out/'

## run: services, build, migrate, demo data, then serve + worker in one process.
run:
	$(WITH_SERVICES) scripts/run.sh

## test: what CI runs.
test: deps
	$(WITH_SERVICES) $(MAKE) --no-print-directory vet test-go station

## build: both binaries.
build: server station

server:
	$(GO) build $(BUILDFLAGS) -o bin/manifold ./server/cmd/manifold

# The station links WebKitGTK through cgo: the station group of scripts/deps.sh.
station:
	@scripts/deps.sh station
	cd desktop && $(GO) build $(BUILDFLAGS) -tags $(STATION_TAGS) -o ../bin/manifold-station .

lint: vet fmt-check

vet:
	@for m in $(MODULES); do \
		echo "== go vet $$m"; \
		(cd $$m && $(GO) vet ./...); \
	done

fmt-check:
	@out=$$(find $(MODULES) -name '*.go' -not -path '*/node_modules/*' -print0 | xargs -0 -r $(GOFMT) -l); \
	if [ -n "$$out" ]; then echo "gofmt -w needed on:"; echo "$$out"; exit 1; fi

# Needs DATABASE_URL and REDIS_URL: run it through `make test`, or with-services.
test-go:
	scripts/test-go.sh $(MODULES)

deps:
	scripts/deps.sh

services-up:
	@scripts/services.sh up
	@scripts/services.sh env

services-down:
	scripts/services.sh down

services-env:
	@scripts/services.sh env

station-screenshot:
	scripts/station-screenshot.sh

bench:
	$(WITH_SERVICES) $(GO) run ./server/cmd/manifold bench $(BENCH_ARGS)

clean:
	rm -rf bin out
