# Task runner. Everything that needs setting up is set up by these targets,
# on a fresh Debian 12 machine, as root (or with sudo):
#   make demo   deps, build, local stack, migrate, simulated traffic, report
#   make test   deps, debug build, unit tests, stack tests (own stack, stopped after)
SHELL := /bin/bash
JOBS ?= $(shell nproc)
BUILD ?= build
DEBUG_BUILD ?= build-debug
FTZ := $(BUILD)/ftz
STACK := $(CURDIR)/deploy/local/stack
DEMO_RECORDS ?= 3000

# The test stack lives apart from the demo stack: own state, own ports.
TEST_STATE_DIR ?= $(if $(filter 0,$(shell id -u)),/var/tmp/ftz-pipeline/test-state,$(HOME)/.local/state/ftz-pipeline-test)
TEST_ENV := FTZ_STATE_DIR=$(TEST_STATE_DIR) FTZ_KAFKA_PORT=19092 FTZ_PG_PORT=56432

.PHONY: all deps build build-debug stack-up stack-down stack-status migrate demo \
        test unit-test stack-test clean help

all: build

help:
	@echo "make demo        set up everything, run simulated FTZ traffic, print the report"
	@echo "make test        set up everything, run every test (unit, then stack)"
	@echo "make deps        install missing Debian packages (quiet when all present)"
	@echo "make build       release build into $(BUILD)/"
	@echo "make stack-up    start the local Kafka + PostgreSQL stack (also stack-down, stack-status)"

deps:
	@bash deploy/deps.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFTZ_WERROR=ON

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

$(DEBUG_BUILD)/CMakeCache.txt:
	cmake -S . -B $(DEBUG_BUILD) -DCMAKE_BUILD_TYPE=Debug -DFTZ_WERROR=ON

build-debug: deps $(DEBUG_BUILD)/CMakeCache.txt
	cmake --build $(DEBUG_BUILD) -j $(JOBS)

stack-up: deps
	$(STACK) up

stack-down:
	$(STACK) down

stack-status:
	$(STACK) status

migrate: build stack-up
	eval "$$($(STACK) env)" && $(FTZ) db migrate

demo: build stack-up
	@eval "$$($(STACK) env)" && set -o pipefail && \
	  $(FTZ) db migrate && \
	  echo "== simulating $(DEMO_RECORDS) customs declarations and producing them" && \
	  $(FTZ) simulate -t customs -n $(DEMO_RECORDS) --seed $$RANDOM | $(FTZ) produce -q -t customs && \
	  echo "== aggregating (exits once idle for 3 s)" && \
	  $(FTZ) aggregate -q -g ftz-demo --until-idle 3 && \
	  echo && $(FTZ) report
	@echo
	@echo "The stack keeps running: eval \"\$$($(STACK) env)\" for a shell, $(STACK) down to stop it."

unit-test: build-debug
	cd $(DEBUG_BUILD) && ctest -L unit --output-on-failure

# Starts its own stack, runs the stack tests, and stops it, pass or fail.
stack-test: build-debug
	@set -e; export $(TEST_ENV); \
	  trap '$(STACK) down' EXIT; \
	  $(STACK) up; \
	  eval "$$($(STACK) env)"; \
	  cd $(DEBUG_BUILD) && ctest -L stack --output-on-failure

test: unit-test stack-test

clean:
	rm -rf $(BUILD) $(DEBUG_BUILD)
