# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Makefile: builds sluice (the BPF objects, their skeletons, sluiced, sluicectl), runs its
# tests (make check), the demo (make demo), the benchmarks (make bench), and installs it.
# V=1 shows the commands; BUILD=DIR builds elsewhere (default build/).

PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/sbin
SYSCONFDIR ?= /etc
UNITDIR ?= /lib/systemd/system
MANDIR ?= $(PREFIX)/share/man
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions
DATADIR ?= $(PREFIX)/share/sluice
# yes: the man pages are installed gzipped; no: as they are.
MANCOMPRESS ?= yes

CLANG ?= clang
CC ?= gcc
BPFTOOL ?= bpftool
PKG_CONFIG ?= pkg-config

BUILD ?= build
ASAN_BUILD := $(BUILD)/asan

ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-7s %s\n' "$(1)" "$(2)";
endif

PKGS := libbpf jansson libcurl libmnl libmicrohttpd libcares ldns
WARN := -Wall -Wextra -Werror
CFLAGS ?= -O2 -g
DEPFLAGS = -MMD -MP
USER_CFLAGS := -std=gnu11 $(WARN) -D_GNU_SOURCE -Iinclude -Iuser -I$(BUILD) \
	$(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null || echo -lbpf -ljansson -lcurl -lmnl -lmicrohttpd -lcares -lldns) -lelf -lz
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
BPF_CFLAGS := -g -O2 --target=bpf -mcpu=v3 $(WARN) -Ivmlinux -Iinclude -Ibpf

# The control plane, in the order data flows (README: How the control plane works):
# lib (helpers) -> inputs (config, registry) -> model (pure) -> health -> files, kernel;
# sluiced/ and sluicectl/ hold the two programs.
STAGES := lib inputs model health files kernel names
LIB_SRCS := $(foreach s,$(STAGES),$(wildcard user/$(s)/*.c))
SLUICED_SRCS := $(wildcard user/sluiced/*.c)
SLUICECTL_SRCS := $(wildcard user/sluicectl/*.c)
# sluicectl but its main(): the command table's parsing, dispatch and status reading, which
# unit tests link too.
CTL_SRCS := $(filter-out user/sluicectl/main.c,$(SLUICECTL_SRCS))
USER_SRCS := $(LIB_SRCS) $(SLUICED_SRCS) $(SLUICECTL_SRCS)
obj = $(patsubst user/%.c,$(1)/user/%.o,$(2))

BPF_SRCS := $(wildcard bpf/*.bpf.c)
SKELS := $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))
# Only the sources that include a skeleton wait for the skeletons.
SKEL_USERS := $(shell grep -l '\.skel\.h"' $(USER_SRCS) 2>/dev/null)

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
ASAN_UNIT_BINS := $(patsubst tests/unit/%.c,$(ASAN_BUILD)/tests/%,$(UNIT_SRCS))
E2E_OBJS := $(patsubst tests/e2e/%.c,$(BUILD)/e2e/%.o,$(wildcard tests/e2e/*.c))
TOOLS := $(patsubst tests/tools/%.c,$(BUILD)/tools/%,$(wildcard tests/tools/*.c))

# Fuzzing (README: Reliability): a libFuzzer target per parser of outside input
# (tests/fuzz/fuzz_NAME.c), built with clang and its sanitizers in $(BUILD)/fuzz/ over user/
# built the same way; make check replays each target's regressions and seeds without libFuzzer
# (replay_NAME: tests/fuzz/replay.c, a cmocka test per file) in the unit runs.
FUZZ_CC ?= $(CLANG)
FUZZ_SECONDS ?= 60
FUZZ_ALL := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_TARGETS ?= $(FUZZ_ALL)
FUZZ_BUILD := $(BUILD)/fuzz
FUZZ_CFLAGS := -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
FUZZ_BINS := $(addprefix $(FUZZ_BUILD)/fuzz_,$(FUZZ_TARGETS))
REPLAY_BINS := $(patsubst %,$(BUILD)/tests/replay_%,$(FUZZ_ALL))
ASAN_REPLAY_BINS := $(patsubst %,$(ASAN_BUILD)/tests/replay_%,$(FUZZ_ALL))

# The version: the VERSION file, plus the commit when built from a git checkout.
VERSION := $(shell cat VERSION)$(shell git rev-parse --short HEAD >/dev/null 2>&1 && \
	printf '+g%s%s' "$$(git rev-parse --short HEAD)" \
	"$$(git diff --quiet HEAD -- 2>/dev/null || echo .dirty)")

.PHONY: FORCE all build-deps deps check layers docs dashboard unit unit-asan e2e e2e-unit \
	check-kernels demo bench soak fuzz install uninstall deb clean
.DELETE_ON_ERROR:
# Generated files kept after the build (make would delete them as intermediates).
.SECONDARY: $(SKELS) $(patsubst bpf/%.bpf.c,$(BUILD)/%.bpf.o,$(BPF_SRCS)) \
	$(BUILD)/bench/ref.bpf.o $(BUILD)/bench/ref.skel.h \
	$(foreach b,$(BUILD) $(ASAN_BUILD),$(patsubst %,$(b)/tests/fuzz/%.o,fuzz $(addprefix \
	fuzz_,$(FUZZ_ALL)) $(addprefix replay_,$(FUZZ_ALL)))) \
	$(patsubst %,$(FUZZ_BUILD)/tests/%.o,fuzz $(addprefix fuzz_,$(FUZZ_ALL)))

all: $(BUILD)/sluiced $(BUILD)/sluicectl

# Before the first compile: name the missing packages instead of a missing-header error.
build-deps:
	@deploy/install-deps.sh --check

deps:
	@deploy/install-deps.sh

# ---- data plane ----

$(BUILD)/%.bpf.o: bpf/%.bpf.c | build-deps
	@mkdir -p $(@D)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $* > $@

# ---- control plane ----

$(BUILD)/user/%.o: user/%.c | build-deps
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(USER_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(ASAN_BUILD)/user/%.o: user/%.c | build-deps
	@mkdir -p $(@D)
	$(call msg,CC-SAN,$@)
	$(Q)$(CC) $(CFLAGS) $(SAN_FLAGS) $(USER_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(FUZZ_BUILD)/user/%.o: user/%.c | build-deps
	@mkdir -p $(@D)
	$(call msg,CC-FUZZ,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(USER_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(foreach b,$(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD),$(call obj,$(b),$(SKEL_USERS))): $(SKELS)

# Rewritten only when the version changes; only lib/version.c includes it.
$(BUILD)/version_string.h: FORCE
	@mkdir -p $(@D)
	@echo '#define SL_VERSION_STRING "$(VERSION)"' > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@
$(foreach b,$(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD),$(call obj,$(b),user/lib/version.c)): \
	$(BUILD)/version_string.h
FORCE:

$(BUILD)/libsluice.a: $(call obj,$(BUILD),$(LIB_SRCS))
$(ASAN_BUILD)/libsluice.a: $(call obj,$(ASAN_BUILD),$(LIB_SRCS))
$(BUILD)/libsluicectl.a: $(call obj,$(BUILD),$(CTL_SRCS))
$(ASAN_BUILD)/libsluicectl.a: $(call obj,$(ASAN_BUILD),$(CTL_SRCS))
$(FUZZ_BUILD)/libsluice.a: $(call obj,$(FUZZ_BUILD),$(LIB_SRCS))
$(FUZZ_BUILD)/libsluicectl.a: $(call obj,$(FUZZ_BUILD),$(CTL_SRCS))
$(foreach b,$(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD),$(b)/libsluice.a $(b)/libsluicectl.a):
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/sluiced: $(call obj,$(BUILD),$(SLUICED_SRCS)) $(BUILD)/libsluice.a
$(BUILD)/sluicectl: $(call obj,$(BUILD),user/sluicectl/main.c) $(BUILD)/libsluicectl.a \
	$(BUILD)/libsluice.a
$(ASAN_BUILD)/sluiced: $(call obj,$(ASAN_BUILD),$(SLUICED_SRCS)) $(ASAN_BUILD)/libsluice.a
$(BUILD)/sluiced $(BUILD)/sluicectl:
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LIBS)
$(ASAN_BUILD)/sluiced:
	$(call msg,LD-SAN,$@)
	$(Q)$(CC) $(CFLAGS) $(SAN_FLAGS) -o $@ $^ $(LIBS)

# ---- tests ----

$(BUILD)/tests/test_%: tests/unit/test_%.c $(BUILD)/libsluicectl.a $(BUILD)/libsluice.a | build-deps
	@mkdir -p $(@D)
	$(call msg,UNIT,$@)
	$(Q)$(CC) $(CFLAGS) $(USER_CFLAGS) -Itests/unit $(DEPFLAGS) -o $@ $< $(BUILD)/libsluicectl.a \
		$(BUILD)/libsluice.a $(LIBS) -lcmocka

$(ASAN_BUILD)/tests/test_%: tests/unit/test_%.c $(ASAN_BUILD)/libsluicectl.a \
		$(ASAN_BUILD)/libsluice.a | build-deps
	@mkdir -p $(@D)
	$(call msg,UNIT-SAN,$@)
	$(Q)$(CC) $(CFLAGS) $(SAN_FLAGS) $(USER_CFLAGS) -Itests/unit $(DEPFLAGS) -o $@ $< \
		$(ASAN_BUILD)/libsluicectl.a $(ASAN_BUILD)/libsluice.a $(LIBS) -lcmocka

# The replay of the fuzz targets, plain ($(1) = $(BUILD)) and sanitized ($(ASAN_BUILD)); its
# object per target by a static pattern (a plain one would also "make" the included .d files).
define replay_rules
$(patsubst %,$(1)/tests/fuzz/replay_%.o,$(FUZZ_ALL)): $(1)/tests/fuzz/replay_%.o: tests/fuzz/replay.c \
		| build-deps
	@mkdir -p $$(@D)
	$$(call msg,$(3),$$@)
	$$(Q)$$(CC) $$(CFLAGS) $(2) $$(USER_CFLAGS) -Itests/fuzz -DFUZZ_TARGET='"$$*"' \
		-DFUZZ_DIR='"$$(CURDIR)/tests/fuzz"' $$(DEPFLAGS) -c $$< -o $$@

$(1)/tests/fuzz/%.o: tests/fuzz/%.c | build-deps
	@mkdir -p $$(@D)
	$$(call msg,$(3),$$@)
	$$(Q)$$(CC) $$(CFLAGS) $(2) $$(USER_CFLAGS) -Itests/fuzz $$(DEPFLAGS) -c $$< -o $$@

$(1)/tests/replay_%: $(1)/tests/fuzz/replay_%.o $(1)/tests/fuzz/fuzz_%.o $(1)/tests/fuzz/fuzz.o \
		$(1)/libsluicectl.a $(1)/libsluice.a
	$$(call msg,$(3),$$@)
	$$(Q)$$(CC) $$(CFLAGS) $(2) -o $$@ $$^ $$(LIBS) -lcmocka
endef
$(eval $(call replay_rules,$(BUILD),,UNIT))
$(eval $(call replay_rules,$(ASAN_BUILD),$(SAN_FLAGS),UNIT-SAN))

$(FUZZ_BUILD)/tests/%.o: tests/fuzz/%.c | build-deps
	@mkdir -p $(@D)
	$(call msg,CC-FUZZ,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(USER_CFLAGS) -Itests/fuzz \
		$(DEPFLAGS) -c $< -o $@

$(FUZZ_BUILD)/fuzz_%: $(FUZZ_BUILD)/tests/fuzz_%.o $(FUZZ_BUILD)/tests/fuzz.o \
		$(FUZZ_BUILD)/libsluicectl.a $(FUZZ_BUILD)/libsluice.a
	$(call msg,LD-FUZZ,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(LIBS)

$(BUILD)/e2e/%.o: tests/e2e/%.c | build-deps
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(USER_CFLAGS) -Itests/e2e $(DEPFLAGS) -c $< -o $@

$(BUILD)/e2e/e2e: $(E2E_OBJS) $(BUILD)/libsluice.a
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LIBS)

# musl's resolver, for the names cases (a static binary: it runs in check-kernels' VM too).
$(BUILD)/e2e/resolve-musl: tests/e2e/musl/resolve.c
	@mkdir -p $(@D)
	$(call msg,MUSL,$@)
	$(Q)musl-gcc -static -O2 $(WARN) -o $@ $<

$(BUILD)/tools/%: tests/tools/%.c | build-deps
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(WARN) $(DEPFLAGS) -o $@ $<

# The architecture's rules, checked on the includes (tests/check-layers.sh).
layers:
	@tests/check-layers.sh

unit: $(UNIT_BINS) $(REPLAY_BINS)
	@tests/run-unit.sh $(UNIT_BINS) $(REPLAY_BINS)

unit-asan: $(ASAN_UNIT_BINS) $(ASAN_REPLAY_BINS)
	@ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 tests/run-unit.sh \
		$(ASAN_UNIT_BINS) $(ASAN_REPLAY_BINS)

# E2E_ARGS="-t NAME" runs the cases whose name contains NAME.
e2e: all $(ASAN_BUILD)/sluiced $(BUILD)/e2e/e2e $(BUILD)/e2e/resolve-musl
	@tests/run-e2e.sh $(BUILD)/e2e/e2e $(ASAN_BUILD)/sluiced $(BUILD)/sluicectl $(E2E_ARGS)

# The man pages, completion, unit and deployment files against the code (tests/check-docs.sh).
docs: all
	@tests/check-docs.sh $(BUILD)

# The Grafana dashboard against the metrics sluiced renders, its PromQL through promtool
# (tests/check-dashboard.sh; the e2e metrics case runs it against a real Prometheus too).
dashboard:
	@tests/check-dashboard.sh

# The end-to-end tests and the systemd protocol with sluiced confined as sluiced.service
# confines it (deploy/unit-sandbox.sh: its capabilities, syscall filter, read-only file system).
e2e-unit: all $(BUILD)/e2e/e2e $(BUILD)/e2e/resolve-musl
	@SLUICED_REAL=$(BUILD)/sluiced tests/run-e2e.sh $(BUILD)/e2e/e2e deploy/unit-sandbox.sh \
		$(BUILD)/sluicectl $(E2E_ARGS)
	@SLUICED_REAL=$(BUILD)/sluiced tests/check-notify.sh deploy/unit-sandbox.sh

check: deps
	@$(MAKE) --no-print-directory layers all docs dashboard unit unit-asan e2e

# The e2e suite and the unit tests that touch the kernel, on Debian 12's 6.1 kernel in a VM
# (tests/vm/check-kernels.sh): CHECK_KERNELS_ARGS="-t NAME" picks cases; CHECK_KERNELS_SMOKE=1
# runs a small subset.
KERNELS_BINS := all $(ASAN_BUILD)/sluiced $(BUILD)/e2e/e2e $(BUILD)/e2e/resolve-musl \
	$(BUILD)/tests/test_sockterm
check-kernels: deps
	@deploy/install-deps.sh --kernels
	@$(MAKE) --no-print-directory $(KERNELS_BINS)
	@CHECK_KERNELS_SMOKE=$(CHECK_KERNELS_SMOKE) tests/vm/check-kernels.sh $(BUILD) \
		$(CHECK_KERNELS_ARGS)

demo: deps
	@$(MAKE) --no-print-directory all $(TOOLS)
	@deploy/demo.sh $(BUILD)

# ---- fuzzing: each of FUZZ_TARGETS (default all) for FUZZ_SECONDS on a copy of its corpus
# (tests/fuzz/run.sh); fails on a crash, naming the reproducer ----

fuzz:
	@deploy/install-deps.sh --fuzz
	@$(MAKE) --no-print-directory $(if $(filter 1,$(V)),,-s) $(FUZZ_BINS)
	@tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# ---- benchmarks (not tests): BENCH_QUICK=1 for a short run, BENCH_OUT=- to leave
# BENCHMARKS.md alone, BENCH_ONLY to pick some (bench/run.sh) ----

$(BUILD)/bench/%: bench/%.c | build-deps
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -std=gnu11 $(WARN) -D_GNU_SOURCE $(DEPFLAGS) -o $@ $< -lpthread -lm

# The one-lookup reference connect4 program, its skeleton, and the tools linked with libbpf.
$(BUILD)/bench/ref.bpf.o: bench/ref.bpf.c | build-deps
	@mkdir -p $(@D)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(BUILD)/bench/ref.skel.h: $(BUILD)/bench/ref.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name ref > $@

$(BUILD)/bench/ref-loader: bench/ref-loader.c $(BUILD)/bench/ref.skel.h
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -std=gnu11 $(WARN) -D_GNU_SOURCE -I$(BUILD)/bench $(DEPFLAGS) -o $@ $< $(LIBS)

$(BUILD)/bench/progstat $(BUILD)/bench/cplane $(BUILD)/bench/taskclass $(BUILD)/bench/report \
		$(BUILD)/bench/dnsload: \
		$(BUILD)/bench/%: bench/%.c | build-deps
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(USER_CFLAGS) $(DEPFLAGS) -o $@ $< $(LIBS) -lm

# The DNS source driven alone against a real server (bench/dns.sh), the Cloud Map source
# against the tests' stand-in (bench/cloudmap.sh), the etcd source against a real cluster
# (bench/etcd.sh).
$(BUILD)/bench/dns-refresh $(BUILD)/bench/cloudmap-refresh $(BUILD)/bench/etcd-watch: \
		$(BUILD)/bench/%: bench/%.c \
		$(BUILD)/libsluice.a | build-deps
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(USER_CFLAGS) $(DEPFLAGS) -o $@ $^ $(LIBS)

BENCH_BINS := $(addprefix $(BUILD)/bench/,failover load bench-server ref-loader progstat cplane report \
	dns-refresh cloudmap-refresh etcd-watch taskclass dnsload)
bench:
	@deploy/install-deps.sh --bench
	@$(MAKE) --no-print-directory all $(BUILD)/tools/sluice-echo $(BENCH_BINS)
	@bench/run.sh $(BUILD)

# Faults under load (bench/soak.sh, not a test): SOAK_SECONDS (default 300), SOAK_QUICK=1 (20 s,
# for CI), SOAK_OUT=- to leave BENCHMARKS.md alone; exits 1 when a goal is missed.
soak:
	@deploy/install-deps.sh --bench
	@$(MAKE) --no-print-directory all $(ASAN_BUILD)/sluiced $(BUILD)/tools/sluice-echo \
		$(BUILD)/bench/soak
	@bench/soak.sh $(BUILD)

# ---- install ----

MAN_PAGES := $(wildcard man/*.[1-8])

# The programs, the unit (its paths made BINDIR's and SYSCONFDIR's), the config (kept when
# there is one) and registry directory, the man pages, the bash completion and the Grafana
# dashboard.
install: all
	install -D -m 0755 $(BUILD)/sluiced $(DESTDIR)$(BINDIR)/sluiced
	install -D -m 0755 $(BUILD)/sluicectl $(DESTDIR)$(BINDIR)/sluicectl
	install -d $(DESTDIR)$(UNITDIR)
	sed -e 's|/usr/local/sbin|$(BINDIR)|g' -e 's|/etc/sluice/|$(SYSCONFDIR)/sluice/|g' \
		deploy/sluiced.service > $(DESTDIR)$(UNITDIR)/sluiced.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/sluiced.service
	install -d -m 0755 $(DESTDIR)$(SYSCONFDIR)/sluice/registry
	@if [ ! -e $(DESTDIR)$(SYSCONFDIR)/sluice/sluice.json ]; then \
		install -D -m 0644 deploy/sluice.json $(DESTDIR)$(SYSCONFDIR)/sluice/sluice.json; fi
	@for p in $(MAN_PAGES); do \
		d=$(DESTDIR)$(MANDIR)/man$${p##*.}; \
		echo "install -D -m 0644 $$p $$d/$${p##*/}"; \
		install -D -m 0644 $$p $$d/$${p##*/} || exit 1; \
		if [ "$(MANCOMPRESS)" = yes ]; then gzip -9nf $$d/$${p##*/} || exit 1; fi; \
	done
	install -D -m 0644 deploy/sluicectl.bash-completion $(DESTDIR)$(COMPLETIONDIR)/sluicectl
	install -D -m 0644 deploy/grafana/sluice-dashboard.json \
		$(DESTDIR)$(DATADIR)/grafana/sluice-dashboard.json

# The config and registry stay: they are the admin's.
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/sluiced $(DESTDIR)$(BINDIR)/sluicectl $(DESTDIR)$(UNITDIR)/sluiced.service
	rm -f $(DESTDIR)$(COMPLETIONDIR)/sluicectl $(DESTDIR)$(DATADIR)/grafana/sluice-dashboard.json
	rmdir $(DESTDIR)$(DATADIR)/grafana $(DESTDIR)$(DATADIR) 2>/dev/null || true
	@for p in $(MAN_PAGES); do \
		f=$(DESTDIR)$(MANDIR)/man$${p##*.}/$${p##*/}; \
		echo "rm -f $$f $$f.gz"; rm -f $$f $$f.gz; \
	done

# The Debian package, into $(BUILD)/deb/: built (dpkg-buildpackage, debian/) in a copy of the
# sources there, since it writes beside the tree it builds. tests/check-deb.sh checks it.
DEB_DIR := $(BUILD)/deb
deb:
	@deploy/install-deps.sh --deb
	rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)/src
	{ git ls-files --cached --others --exclude-standard 2>/dev/null || \
	  find . -path ./$(BUILD) -prune -o -path './build*' -prune -o -type f -print; } | \
		tar -cf - --no-recursion --ignore-failed-read -T - | tar -xf - -C $(DEB_DIR)/src
	cd $(DEB_DIR)/src && SLUICE_VERSION='$(VERSION)' DEB_BUILD_OPTIONS='parallel=2' \
		dpkg-buildpackage -us -uc -b --no-sign
	rm -rf $(DEB_DIR)/src
	@ls $(DEB_DIR)/*.deb

clean:
	rm -rf $(BUILD)

# (not in BUILD/vm: check-kernels' unpacked packages, whose *.d are directories)
-include $(shell find $(BUILD) -path $(BUILD)/vm -prune -o -name '*.d' -type f -print 2>/dev/null)
