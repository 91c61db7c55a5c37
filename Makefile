# LabelFlow build. Plain make + pkg-config; `make help` lists the targets.
#
# Every src/<module>/*.c is part of the server library (the subcommands in
# src/cli/ too); src/main.c adds main(), which dispatches to them. Each
# tests/unit/test_*.c links against that library, so a new module or test
# needs no change here.
#
# `make` also builds the web UI (web/, Vite) into web/dist when npm is
# installed; the server serves it and runs without it. The C-only targets
# (the binary, unit tests, API tests, ASan) never need Node.

PKGS      := libmicrohttpd jansson libsodium sqlite3 libxml-2.0 libpq libcurl libarchive \
             libmagic libavformat libavcodec libavutil
CC        ?= cc
BUILD     ?= build
CFLAGS    ?= -O2 -g
WARN      := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter
CPPFLAGS  += -Isrc $(shell pkg-config --cflags $(PKGS))
LDLIBS    += $(shell pkg-config --libs $(PKGS)) -lpthread -lm

LIB_SRC   := $(filter-out src/main.c,$(sort $(wildcard src/*/*.c)))
LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC  := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

# libFuzzer targets (tests/fuzz/fuzz_*.c): clang 14 with the fuzzer, ASan
# and UBSan, the library compiled for them into its own build directory.
FUZZ_BUILD   := build-fuzz
FUZZ_CC      ?= clang-14
FUZZ_CFLAGS  := -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
		-fno-sanitize-recover=all
FUZZ_SECONDS ?= 60
FUZZ_SRC     := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN     := $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ_BUILD)/fuzz/%)

# A Node installed by scripts/install-deps (when the system's is too old
# for Vite) comes first, for npm and for the JavaScript tests.
export PATH := $(if $(wildcard .tools/node/bin/node),$(CURDIR)/.tools/node/bin:)$(PATH)
# (make 4.3 does not pass exported variables to $(shell): PATH is given.)
NPM       := $(shell PATH='$(PATH)' command -v npm 2>/dev/null)
# Vite 8 runs on Node 20.19+ or 22.12+.
NODE_OK   := $(shell PATH='$(PATH)' node -e 'const [a, b] = process.versions.node.split(".").map(Number); \
		process.exit((a === 20 && b >= 19) || (a === 22 && b >= 12) || a >= 23 ? 0 : 1)' \
		2>/dev/null && echo yes)
# Everything the UI build reads: a change anywhere in web/ rebuilds it.
WEB_SRC   := $(shell find web -path web/node_modules -prune -o -path web/dist -prune -o -type f \
		-print 2>/dev/null)

# The container image (Dockerfile, built with podman: scripts/image). The
# default base is a local debian:12-slim made with mmdebstrap, for machines
# that reach no image registry; elsewhere BASE_IMAGE=debian:12-slim (and
# NODE_IMAGE=node:20-bookworm-slim for a quicker UI stage).
IMAGE      ?= localhost/labelflow:dev
BASE_IMAGE ?= localhost/debian:12-slim
NODE_IMAGE ?= $(BASE_IMAGE)

.PHONY: all deps run test test-unit test-api test-pg test-asan test-ui bench clean format help web \
	image test-image soak fuzz fuzz-build test-fuzz

all: $(BUILD)/labelflow web

help:
	@echo "make run        install deps, build, start the server on 127.0.0.1:8080"
	@echo "make test       install deps, build, run unit + API tests (normal and ASan/UBSan, SQLite and PostgreSQL) + UI tests"
	@echo "make test-unit  C unit tests only (cmocka under prove)"
	@echo "make test-api   black-box HTTP tests only (SQLite)"
	@echo "make test-pg    black-box HTTP tests on a throwaway PostgreSQL server"
	@echo "make test-asan  unit + API tests on an ASan/UBSan build"
	@echo "make test-ui    browser tests (chromium) against the built UI"
	@echo "make web        the web UI only (web/dist)"
	@echo "make image      the container image $(IMAGE) (podman; BASE_IMAGE=debian:12-slim off this machine)"
	@echo "make test-image build the image and smoke-test its binary (chroot: /healthz, migrations, UI, user)"
	@echo "make bench      benchmarks (figures on stdout)"
	@echo "make soak       kill -9 soak, SOAK_ROUNDS rounds (default 50), and the 20,000-task drains, on SQLite and on PostgreSQL"
	@echo "make fuzz       every libFuzzer target for FUZZ_SECONDS (default 60) each, from its kept corpus"
	@echo "make test-fuzz  a short run of every fuzz target plus its regression inputs (TAP)"

deps:
	@scripts/install-deps

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) -MMD -MP -c $< -o $@

# The OpenAPI document, compiled into the binary (GET /api/v1/openapi.json);
# $(BUILD)/openapi.json is the same JSON for the tests.
$(BUILD)/gen/openapi_doc.c: openapi/openapi.yaml scripts/openapi-embed
	@mkdir -p $(dir $@)
	scripts/openapi-embed $< $@ $(BUILD)/openapi.json

$(BUILD)/gen/openapi_doc.o: $(BUILD)/gen/openapi_doc.c
	$(CC) $(WARN) $(CFLAGS) -c $< -o $@

$(BUILD)/liblabelflow.a: $(LIB_OBJ) $(BUILD)/gen/openapi_doc.o
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/labelflow: $(BUILD)/src/main.o $(BUILD)/liblabelflow.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

ifneq ($(and $(NPM),$(NODE_OK),$(wildcard web/package-lock.json)),)
web: web/dist/index.html

# npm rewrites node_modules/.package-lock.json on every install, so this
# reinstalls when the lock file changed and when node_modules is missing.
web/node_modules/.package-lock.json: web/package-lock.json
	cd web && npm ci --no-audit --no-fund --ignore-scripts

web/dist/index.html: web/node_modules/.package-lock.json $(WEB_SRC) openapi/openapi.yaml
	cd web && npm run build
	@touch $@
else
web:
	@echo "make: not building the web UI: it needs npm, Node 20.19+ and web/package-lock.json" \
		"(make deps installs them)"
endif

# The unit tests' shared temporary database (tests/unit/fixture.h).
$(BUILD)/tests/fixture.o: tests/unit/fixture.c tests/unit/fixture.h
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) -c $< -o $@

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/tests/fixture.o $(BUILD)/liblabelflow.a
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) -Itests/unit -o $@ $< $(BUILD)/tests/fixture.o \
		$(BUILD)/liblabelflow.a $(LDLIBS) -lcmocka

# A fuzz target: the library as built for fuzzing (FUZZ_CFLAGS) plus the
# harness, linked with libFuzzer's main.
$(BUILD)/fuzz/%: tests/fuzz/%.c $(wildcard tests/fuzz/*.h) $(BUILD)/liblabelflow.a
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) -Itests/fuzz -fsanitize=fuzzer,address,undefined -o $@ $< \
		$(BUILD)/liblabelflow.a $(LDLIBS)

fuzz-build:
	$(MAKE) -j$(JOBS) BUILD=$(FUZZ_BUILD) CC=$(FUZZ_CC) CFLAGS="$(FUZZ_CFLAGS)" $(FUZZ_BIN)

# Each target for FUZZ_SECONDS from tests/fuzz/corpus/<target> (copied to
# build-fuzz/corpus, where new finds go); execs/s and runs per target.
fuzz: fuzz-build
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz run

test-fuzz: fuzz-build
	LABELFLOW_FUZZ_DIR=$(FUZZ_BUILD)/fuzz scripts/run-tests fuzz

# A sub-make: npm may have been installed by deps after this one started.
run: deps
	$(MAKE) all
	@mkdir -p labelflow-data
	$(BUILD)/labelflow serve

# The two builds (normal, ASan) use every core: built one file at a time
# they cost minutes of the 20 the whole run may take.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
test: deps
	$(MAKE) -j$(JOBS) all $(UNIT_BIN)
	$(MAKE) -j$(JOBS) BUILD=build-asan CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
		LDFLAGS="-fsanitize=address,undefined" build-asan/labelflow $(UNIT_SRC:tests/unit/%.c=build-asan/tests/%)
	LABELFLOW_BIN=$(CURDIR)/build/labelflow LABELFLOW_UNIT_DIR=build/tests \
	LABELFLOW_ASAN_BIN=$(CURDIR)/build-asan/labelflow LABELFLOW_ASAN_UNIT_DIR=build-asan/tests \
	scripts/run-tests all

test-unit: $(BUILD)/labelflow $(UNIT_BIN)
	LABELFLOW_UNIT_DIR=$(BUILD)/tests scripts/run-tests unit

test-api: $(BUILD)/labelflow
	LABELFLOW_BIN=$(CURDIR)/$(BUILD)/labelflow scripts/run-tests api

test-pg: $(BUILD)/labelflow $(UNIT_BIN)
	LABELFLOW_BIN=$(CURDIR)/$(BUILD)/labelflow scripts/run-tests pg

# Browser tests need the UI, chromium and tests/ui/node_modules (deps).
test-ui: deps
	$(MAKE) all
	LABELFLOW_BIN=$(CURDIR)/$(BUILD)/labelflow scripts/run-tests ui

test-asan:
	$(MAKE) BUILD=build-asan CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
		LDFLAGS="-fsanitize=address,undefined" build-asan/labelflow $(UNIT_SRC:tests/unit/%.c=build-asan/tests/%)
	LABELFLOW_ASAN_BIN=$(CURDIR)/build-asan/labelflow LABELFLOW_ASAN_UNIT_DIR=build-asan/tests scripts/run-tests asan

image:
	@scripts/install-deps image
	BASE_IMAGE=$(BASE_IMAGE) NODE_IMAGE=$(NODE_IMAGE) scripts/image $(IMAGE)

test-image: image
	scripts/test-image $(IMAGE)

bench: all
	bench/run-all

SOAK_ROUNDS ?= 50
soak: deps
	$(MAKE) $(BUILD)/labelflow
	LF_SOAK_ROUNDS=$(SOAK_ROUNDS) LABELFLOW_BIN=$(CURDIR)/$(BUILD)/labelflow scripts/run-tests soak

format:
	clang-format -i $(wildcard src/*.c src/*/*.c src/*/*.h tests/unit/*.c)

clean:
	rm -rf build build-asan $(FUZZ_BUILD) web/dist

-include $(LIB_OBJ:.o=.d) $(BUILD)/src/main.d
