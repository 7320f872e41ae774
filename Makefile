# Task runner. Everything that needs setting up is set up by these targets,
# on a fresh Debian 12 machine, as root (or with sudo):
#   make demo   deps, build, local stack, migrate, simulated traffic, report
#   make test   deps, debug build, unit tests, package tests, stack tests, cluster tests
#               (each on its own stack, stopped after)
#   make deb    deps, release build, the Debian package
SHELL := /bin/bash
JOBS ?= $(shell nproc)
BUILD ?= build
DEBUG_BUILD ?= build-debug
FTZ := $(BUILD)/ftz
STACK := $(CURDIR)/deploy/local/stack
# make demo: its own database (made again each run) and topic prefix.
DEMO_DB ?= ftz_demo
DEMO_EVENTS ?= 40000
DEMO_DIRTY ?= 2

# The test stack lives apart from the demo stack: own state, own ports.
TEST_STATE_DIR ?= $(if $(filter 0,$(shell id -u)),/var/tmp/ftz-pipeline/test-state,$(HOME)/.local/state/ftz-pipeline-test)
TEST_ENV := FTZ_STATE_DIR=$(TEST_STATE_DIR) FTZ_KAFKA_PORT=19092 FTZ_PG_PORT=25432
# The secure test stack (up --secure): its own state and ports too.
SECURE_TEST_STATE_DIR ?= $(TEST_STATE_DIR)-secure
SECURE_TEST_KAFKA_PORT ?= 19192
SECURE_TEST_PG_PORT ?= 25532
SECURE_TEST_ENV := FTZ_STATE_DIR=$(SECURE_TEST_STATE_DIR) FTZ_KAFKA_PORT=$(SECURE_TEST_KAFKA_PORT) FTZ_PG_PORT=$(SECURE_TEST_PG_PORT)
# The cluster tests' stack: three Kafka nodes (brokers on 29092-29094,
# controllers on 29095-29097), its own PostgreSQL, small heaps.
# The service test's stack (the package under a live systemd): its own too.
SERVICE_TEST_STATE_DIR ?= $(TEST_STATE_DIR)-service
SERVICE_TEST_ENV := FTZ_STATE_DIR=$(SERVICE_TEST_STATE_DIR) FTZ_KAFKA_PORT=19292 FTZ_PG_PORT=25632
CLUSTER_STATE_DIR ?= $(if $(filter 0,$(shell id -u)),/var/tmp/ftz-pipeline/cluster-state,$(HOME)/.local/state/ftz-pipeline-cluster)
CLUSTER_ENV := FTZ_STATE_DIR=$(CLUSTER_STATE_DIR) FTZ_KAFKA_PORT=29092 FTZ_PG_PORT=27432 FTZ_KAFKA_HEAP="-Xms64m -Xmx320m"

FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 0

.PHONY: all deps build build-debug stack-up stack-down stack-status migrate demo \
        test unit-test stack-test secure-test cluster-test package-test service-test deb fuzz fuzz-short bench bench-drain bench-memory bench-produce bench-offsets clean help

all: build

help:
	@echo "make demo        set up everything, run simulated FTZ traffic, print the report"
	@echo "make test        set up everything, run every test (unit, package, stack, then cluster)"
	@echo "make cluster-test the cluster fault tests on their own 3-node Kafka stack"
	@echo "make package-test build the package, lintian, install it (dpkg -i, as root), purge it"
	@echo "make service-test the package under a live systemd in namespaces (as root, own stack)"
	@echo "make deps        install missing Debian packages (quiet when all present)"
	@echo "make build       release build into $(BUILD)/"
	@echo "make deb         the Debian package (binary, systemd units, man pages, docs) from the release build"
	@echo "make secure-test the security test on its own 'stack up --secure' (part of make test)"
	@echo "make stack-up    start the local Kafka + PostgreSQL stack (also stack-down, stack-status)"
	@echo "make bench       decode + validate throughput per record type"
	@echo "make bench-drain drain one backlog: ftz aggregate (1, 2 members) vs Python vs PostgreSQL's limit"
	@echo "make bench-memory resident memory of one member draining 10 million events"
	@echo "make bench-produce ftz produce against Kafka's ProducerPerformance, per record type"
	@echo "make bench-offsets ftz offsets show over 19,500 stored rows on 1,500 partitions"
	@echo "make fuzz        run the decoder fuzzer until stopped (FUZZ_SECONDS=N to bound it)"

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
	  export PGDATABASE=$(DEMO_DB) FTZ_TOPIC_PREFIX=demo$$(date +%Y%m%d%H%M%S). && \
	  psql -X -q -d postgres -c 'SET client_min_messages = warning' -c 'DROP DATABASE IF EXISTS $(DEMO_DB)' -c 'CREATE DATABASE $(DEMO_DB)' >/dev/null && \
	  $(FTZ) db migrate -q && $(FTZ) topics create -q && \
	  echo "== simulating FTZ traffic since the zone opened (2017-04-01): $(DEMO_EVENTS) events of the three types, $(DEMO_DIRTY)% dirty, straight to Kafka" && \
	  $(FTZ) simulate -q -t all -n $(DEMO_EVENTS) --start 2017-04-01T00:00:00+08:00 --days 3500 \
	    --dirty $(DEMO_DIRTY) --seed $$RANDOM --expect $(abspath $(BUILD))/demo-expect.json -b "$$FTZ_BROKERS" && \
	  echo "== aggregating (exits once idle for 3 s)" && \
	  $(FTZ) aggregate -q --until-idle 3 && \
	  echo "== checking the tables against what the simulator expects" && \
	  $(FTZ) check --expect $(abspath $(BUILD))/demo-expect.json && \
	  echo && $(FTZ) report && \
	  $(FTZ) report --format html -o $(abspath $(BUILD))/ftz-dashboard.html && \
	  echo && echo "== dashboard (one page, works offline): $(abspath $(BUILD))/ftz-dashboard.html"
	@echo
	@echo "The stack keeps running: eval \"\$$($(STACK) env)\" for a shell (the demo's data is in"
	@echo "database $(DEMO_DB): PGDATABASE=$(DEMO_DB) $(FTZ) report), $(STACK) down to stop it."

# The Debian package, from the release build: cpack writes
# $(BUILD)/ftz-pipeline_VERSION_ARCH.deb.
deb: build
	@cd $(BUILD) && cpack -G DEB >cpack.log 2>&1 || { cat cpack.log; exit 1; }
	@sed -n 's/^CPack: - package: \(.*\) generated\.$$/package: \1/p' $(BUILD)/cpack.log

unit-test: build-debug
	cd $(DEBUG_BUILD) && ctest -L 'unit|mock|interop' --output-on-failure

# The package test (tests/package): builds the package from the release
# build, lintian, dpkg -i as root, the units verified, dpkg --purge.
package-test: build
	cd $(BUILD) && ctest -L package --output-on-failure

# The package under a live systemd (tests/service, as root): starts its own
# stack, runs the test from the release build, and stops the stack, pass
# or fail.
service-test: build
	@set -e; export $(SERVICE_TEST_ENV); \
	  trap '$(STACK) down' EXIT; \
	  $(STACK) up; \
	  eval "$$($(STACK) env)"; \
	  cd $(BUILD) && ctest -L service --output-on-failure

# Starts its own stack, runs the stack tests, and stops it, pass or fail.
stack-test: build-debug
	@set -e; export $(TEST_ENV); \
	  trap '$(STACK) down' EXIT; \
	  $(STACK) up; \
	  eval "$$($(STACK) env)"; \
	  cd $(DEBUG_BUILD) && ctest -L 'stack|fault' --output-on-failure

# Starts its own secure stack (up --secure), runs the security test (label
# `secure`), and stops and deletes it, pass or fail.
secure-test: build-debug
	@set -e; export $(SECURE_TEST_ENV); \
	  trap '$(STACK) down --purge' EXIT; \
	  $(STACK) up --secure; \
	  eval "$$($(STACK) env)"; \
	  cd $(DEBUG_BUILD) && ctest -L secure --output-on-failure
# Starts its own 3-node Kafka cluster (+ PostgreSQL), runs the cluster fault
# tests, and stops it, pass or fail.
cluster-test: build-debug
	@set -e; export $(CLUSTER_ENV); \
	  trap '$(STACK) down' EXIT; \
	  $(STACK) up --brokers 3; \
	  eval "$$($(STACK) env)"; \
	  cd $(DEBUG_BUILD) && ctest -L cluster --output-on-failure

# libFuzzer over frame -> decode -> rules, with ASan and UBSan, seeded with
# valid records of every type and version. FUZZ_SECONDS=0 runs until stopped.
$(FUZZ_BUILD)/CMakeCache.txt:
	cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang -DFTZ_FUZZ=ON

fuzz: deps $(FUZZ_BUILD)/CMakeCache.txt
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_decode make_corpus
	rm -rf $(FUZZ_BUILD)/seed && mkdir -p $(FUZZ_BUILD)/seed $(FUZZ_BUILD)/corpus
	$(FUZZ_BUILD)/make_corpus $(FUZZ_BUILD)/seed 20
	@echo "== fuzzing the validation step (frame, decode, topic and key checks, rules) ($(if $(filter 0,$(FUZZ_SECONDS)),until stopped,$(FUZZ_SECONDS) s)); log in $(FUZZ_BUILD)/fuzz.log"
	@cd $(FUZZ_BUILD) && LSAN_OPTIONS=suppressions=$(CURDIR)/tests/fuzz/lsan.supp \
	  ./fuzz_decode -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
	  -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 corpus seed >fuzz.log 2>&1 \
	  && { grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' fuzz.log; echo "fuzzing: no crash, leak or timeout"; } \
	  || { tail -n 60 fuzz.log; echo "fuzzing FAILED: reproducer in $(FUZZ_BUILD)/ (crash-*, leak-*, timeout-*)"; exit 1; }

# Benchmarks (bench/): print figures, assert nothing; release build.
bench: build
	$(BUILD)/bench/bench_decode 200000 5

# Drain benchmark: ftz aggregate (1 and 2 members), a Python peer consumer
# and a PostgreSQL-limit probe drain one simulated backlog, each into its
# own database (local stack, started if needed); fails only if their
# aggregates differ. Options: DRAIN_ARGS="--events 500000 --repeat 3".
bench-drain: build
	FTZ_BIN=$(FTZ) bench/drain $(DRAIN_ARGS)

# Produce benchmark: ftz produce of simulated files of each type against
# Kafka's ProducerPerformance, same counts, sizes and producer settings.
# Options: PRODUCE_ARGS="--rail 1000000".
bench-produce: build
	FTZ_BIN=$(FTZ) bench/produce $(PRODUCE_ARGS)

# Memory benchmark: one member's resident size while it drains 10 million
# simulated events (MEMORY_ARGS="--events 2000000" for a shorter run).
bench-memory: build
	FTZ_BIN=$(FTZ) bench/memory $(MEMORY_ARGS)

# ftz offsets show over many stored rows (OFFSETS_ARGS="--partitions 100").
bench-offsets: build
	FTZ_BIN=$(FTZ) bench/offsets $(OFFSETS_ARGS)

fuzz-short:
	$(MAKE) fuzz FUZZ_SECONDS=60

# The release build too: `make demo` builds it with -Werror, and a warning
# only -O2 finds must not reach a user first.
test: build unit-test package-test service-test fuzz-short stack-test secure-test cluster-test

clean:
	rm -rf $(BUILD) $(DEBUG_BUILD) $(FUZZ_BUILD)
