# LabelFlow build. Plain make + pkg-config; `make help` lists the targets.
#
# Every src/<module>/*.c is part of the server library; src/main.c adds the
# command line. Each tests/unit/test_*.c links against that library, so a
# new module or test needs no change here.

PKGS      := libmicrohttpd jansson libsodium sqlite3 libxml-2.0 libpq libcurl libarchive
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

.PHONY: all deps run test test-unit test-api test-asan bench clean format help web

all: $(BUILD)/labelflow

help:
	@echo "make run        install deps, build, start the server on 127.0.0.1:8080"
	@echo "make test       install deps, build, run unit + API tests (normal and ASan/UBSan)"
	@echo "make test-unit  C unit tests only (cmocka under prove)"
	@echo "make test-api   black-box HTTP tests only"
	@echo "make test-asan  unit + API tests on an ASan/UBSan build"
	@echo "make bench      benchmarks (figures on stdout)"

deps:
	@scripts/install-deps

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/liblabelflow.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/labelflow: $(BUILD)/src/main.o $(BUILD)/liblabelflow.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/liblabelflow.a
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) -o $@ $< $(BUILD)/liblabelflow.a $(LDLIBS) -lcmocka

run: deps all
	@mkdir -p labelflow-data
	$(BUILD)/labelflow serve

test: deps
	$(MAKE) all $(UNIT_BIN)
	$(MAKE) BUILD=build-asan CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
		LDFLAGS="-fsanitize=address,undefined" build-asan/labelflow $(UNIT_SRC:tests/unit/%.c=build-asan/tests/%)
	LABELFLOW_BIN=$(CURDIR)/build/labelflow LABELFLOW_UNIT_DIR=build/tests \
	LABELFLOW_ASAN_BIN=$(CURDIR)/build-asan/labelflow LABELFLOW_ASAN_UNIT_DIR=build-asan/tests \
		scripts/run-tests all

test-unit: all $(UNIT_BIN)
	LABELFLOW_UNIT_DIR=$(BUILD)/tests scripts/run-tests unit

test-api: all
	LABELFLOW_BIN=$(CURDIR)/$(BUILD)/labelflow scripts/run-tests api

test-asan:
	$(MAKE) BUILD=build-asan CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
		LDFLAGS="-fsanitize=address,undefined" build-asan/labelflow $(UNIT_SRC:tests/unit/%.c=build-asan/tests/%)
	LABELFLOW_ASAN_BIN=$(CURDIR)/build-asan/labelflow LABELFLOW_ASAN_UNIT_DIR=build-asan/tests scripts/run-tests asan

bench: all
	bench/run-all

format:
	clang-format -i $(wildcard src/*.c src/*/*.c src/*/*.h tests/unit/*.c)

clean:
	rm -rf build build-asan

-include $(LIB_OBJ:.o=.d) $(BUILD)/src/main.d
