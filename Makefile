# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Makefile: builds sluice (the BPF object, its skeleton, sluiced, sluicectl), runs its
# tests (make check), the demo (make demo), and installs it (make install).

PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/sbin
SYSCONFDIR ?= /etc
UNITDIR ?= /lib/systemd/system

CLANG ?= clang
CC ?= gcc
BPFTOOL ?= bpftool
PKG_CONFIG ?= pkg-config

BUILD := build
ASAN_BUILD := build/asan

WARN := -Wall -Wextra -Werror
CFLAGS ?= -O2 -g
USER_CFLAGS := -std=gnu11 $(WARN) -D_GNU_SOURCE -Iinclude -Iuser -I$(BUILD) \
	$(shell $(PKG_CONFIG) --cflags libbpf jansson libcurl libmnl 2>/dev/null)
LIBS := $(shell $(PKG_CONFIG) --libs libbpf jansson libcurl libmnl 2>/dev/null || echo -lbpf -ljansson -lcurl -lmnl) -lelf -lz
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
BPF_CFLAGS := -g -O2 --target=bpf -mcpu=v3 $(WARN) -Ivmlinux -Iinclude -Ibpf

BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_HDRS := $(wildcard bpf/*.h) include/sluice.h
SKELS := $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))
MAIN_SRCS := user/sluiced.c user/sluicectl.c
LIB_SRCS := $(filter-out $(MAIN_SRCS),$(wildcard user/*.c))
LIB_OBJS := $(patsubst user/%.c,$(BUILD)/user/%.o,$(LIB_SRCS))
ASAN_LIB_OBJS := $(patsubst user/%.c,$(ASAN_BUILD)/user/%.o,$(LIB_SRCS))
USER_HDRS := $(wildcard user/*.h) include/sluice.h
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_HDRS := $(wildcard tests/unit/*.h)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
ASAN_UNIT_BINS := $(patsubst tests/unit/%.c,$(ASAN_BUILD)/tests/%,$(UNIT_SRCS))
TOOLS := $(patsubst tests/tools/%.c,$(BUILD)/tools/%,$(wildcard tests/tools/*.c))
E2E_SRCS := $(wildcard tests/e2e/*.c)
E2E_HDRS := $(wildcard tests/e2e/*.h)

.PHONY: all deps check unit unit-asan e2e demo bench install uninstall clean
.DELETE_ON_ERROR:
.SECONDARY: $(SKELS) $(patsubst bpf/%.bpf.c,$(BUILD)/%.bpf.o,$(BPF_SRCS)) $(BUILD)/bench/ref.bpf.o \
	$(BUILD)/bench/ref.skel.h

all: $(BUILD)/sluiced $(BUILD)/sluicectl

deps:
	@deploy/install-deps.sh

$(BUILD)/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS) | $(BUILD)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $* > $@

$(BUILD)/tools/%: tests/tools/%.c | $(BUILD)/tools
	$(CC) $(CFLAGS) $(WARN) -o $@ $<

$(BUILD)/bench/%: bench/%.c | $(BUILD)/bench
	$(CC) $(CFLAGS) -std=gnu11 $(WARN) -D_GNU_SOURCE -o $@ $< -lpthread -lm

# The one-lookup reference connect4 program, its skeleton, and the tools linked with libbpf.
$(BUILD)/bench/ref.bpf.o: bench/ref.bpf.c bench/ref.h | $(BUILD)/bench
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/bench/ref.skel.h: $(BUILD)/bench/ref.bpf.o
	$(BPFTOOL) gen skeleton $< name ref > $@

$(BUILD)/bench/ref-loader: bench/ref-loader.c bench/ref.h $(BUILD)/bench/ref.skel.h
	$(CC) $(CFLAGS) -std=gnu11 $(WARN) -D_GNU_SOURCE -I$(BUILD)/bench -o $@ $< $(LIBS)

$(BUILD)/bench/progstat $(BUILD)/bench/cplane $(BUILD)/bench/report: $(BUILD)/bench/%: bench/%.c | $(BUILD)/bench
	$(CC) $(CFLAGS) $(USER_CFLAGS) -o $@ $< $(LIBS) -lm

$(BUILD) $(BUILD)/user $(BUILD)/tests $(BUILD)/tools $(BUILD)/bench $(ASAN_BUILD)/user $(ASAN_BUILD)/tests:
	@mkdir -p $@

$(BUILD)/user/%.o: user/%.c $(USER_HDRS) $(SKELS) | $(BUILD)/user
	$(CC) $(CFLAGS) $(USER_CFLAGS) -c $< -o $@

$(ASAN_BUILD)/user/%.o: user/%.c $(USER_HDRS) $(SKELS) | $(ASAN_BUILD)/user
	$(CC) $(CFLAGS) $(SAN_FLAGS) $(USER_CFLAGS) -c $< -o $@

$(BUILD)/libsluice.a: $(LIB_OBJS)
	$(AR) rcs $@ $^

$(ASAN_BUILD)/libsluice.a: $(ASAN_LIB_OBJS)
	$(AR) rcs $@ $^

$(BUILD)/sluiced $(BUILD)/sluicectl: $(BUILD)/%: $(BUILD)/user/%.o $(BUILD)/libsluice.a
	$(CC) $(CFLAGS) -o $@ $^ $(LIBS)

$(ASAN_BUILD)/sluiced $(ASAN_BUILD)/sluicectl: $(ASAN_BUILD)/%: $(ASAN_BUILD)/user/%.o $(ASAN_BUILD)/libsluice.a
	$(CC) $(CFLAGS) $(SAN_FLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests/test_%: tests/unit/test_%.c $(BUILD)/libsluice.a $(USER_HDRS) $(UNIT_HDRS) | $(BUILD)/tests
	$(CC) $(CFLAGS) $(USER_CFLAGS) -o $@ $< $(BUILD)/libsluice.a $(LIBS) -lcmocka

$(ASAN_BUILD)/tests/test_%: tests/unit/test_%.c $(ASAN_BUILD)/libsluice.a $(USER_HDRS) $(UNIT_HDRS) | $(ASAN_BUILD)/tests
	$(CC) $(CFLAGS) $(SAN_FLAGS) $(USER_CFLAGS) -o $@ $< $(ASAN_BUILD)/libsluice.a $(LIBS) -lcmocka

$(BUILD)/tests/e2e: $(E2E_SRCS) $(E2E_HDRS) $(BUILD)/libsluice.a | $(BUILD)/tests
	$(CC) $(CFLAGS) $(USER_CFLAGS) -Itests/e2e -o $@ $(E2E_SRCS) $(BUILD)/libsluice.a $(LIBS)

unit: $(UNIT_BINS)
	@tests/run-unit.sh $(UNIT_BINS)

unit-asan: $(ASAN_UNIT_BINS)
	@ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 tests/run-unit.sh $(ASAN_UNIT_BINS)

e2e: all $(ASAN_BUILD)/sluiced $(BUILD)/tests/e2e
	@tests/run-e2e.sh $(BUILD)/tests/e2e $(ASAN_BUILD)/sluiced $(BUILD)/sluicectl

check: deps
	@$(MAKE) --no-print-directory all unit unit-asan e2e

demo: deps
	@$(MAKE) --no-print-directory all $(TOOLS)
	@deploy/demo.sh $(BUILD)

# Benchmarks (not tests): BENCH_QUICK=1 for a short run, BENCH_OUT=- to leave BENCHMARKS.md alone,
# BENCH_ONLY to pick some (bench/run.sh).
BENCH_BINS := $(addprefix $(BUILD)/bench/,failover load bench-server ref-loader progstat cplane report)
bench:
	@deploy/install-deps.sh --bench
	@$(MAKE) --no-print-directory all $(BUILD)/tools/sluice-echo $(BENCH_BINS)
	@bench/run.sh $(BUILD)

install: all
	install -D -m 0755 $(BUILD)/sluiced $(DESTDIR)$(BINDIR)/sluiced
	install -D -m 0755 $(BUILD)/sluicectl $(DESTDIR)$(BINDIR)/sluicectl
	install -d $(DESTDIR)$(UNITDIR)
	sed 's|/usr/local/sbin|$(BINDIR)|' deploy/sluiced.service > $(DESTDIR)$(UNITDIR)/sluiced.service
	@if [ ! -e $(DESTDIR)$(SYSCONFDIR)/sluice/sluice.json ]; then \
		install -D -m 0644 deploy/sluice.json $(DESTDIR)$(SYSCONFDIR)/sluice/sluice.json; fi

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/sluiced $(DESTDIR)$(BINDIR)/sluicectl $(DESTDIR)$(UNITDIR)/sluiced.service

clean:
	rm -rf $(BUILD)
