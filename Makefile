# pluto-xdp: top-level build.
#
#   make            build build/pluto, build/whack (and the BPF objects)
#   make deps       install the Debian packages the build, tests and demo need
#   make test       run every test layer this host supports; ends "N passed, N failed"
#   make install    install under $(PREFIX) (default /usr/local)
#   make SANITIZE=1 ASan/UBSan build in build/san/
#   make V=1        show the commands

ifeq ($(SANITIZE),1)
BUILD ?= build/san
else
BUILD ?= build
endif
PREFIX  ?= /usr/local
DESTDIR ?=

include mk/common.mk

VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
LIBEXECDIR ?= $(PREFIX)/libexec/pluto-xdp
CPPFLAGS += -DPLUTO_VERSION='"$(VERSION)"' -DPLUTO_UPDOWN_DEFAULT='"$(LIBEXECDIR)/_updown"'

LIB_SRCS      := $(sort $(wildcard lib/*.c))
CONTROLD_SRCS := $(sort $(filter-out controld/main.c,$(wildcard controld/*.c)))
WHACK_SRCS    := $(sort $(wildcard whack/*.c))
LOADER_SRCS   := $(sort $(filter-out loader/main.c,$(wildcard loader/*.c)))
BPF_SRCS      := $(sort $(wildcard bpf/*.bpf.c))
UNIT_SRCS     := $(sort $(wildcard selftests/unit/test_*.c))
UNIT_HELPERS  := $(sort $(filter-out $(UNIT_SRCS),$(wildcard selftests/unit/*.c)))

objs = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

LIB_OBJS      := $(call objs,$(LIB_SRCS))
CONTROLD_OBJS := $(call objs,$(CONTROLD_SRCS))
WHACK_OBJS    := $(call objs,$(WHACK_SRCS))
LOADER_OBJS   := $(call objs,$(LOADER_SRCS))
UNIT_HELPER_OBJS := $(call objs,$(UNIT_HELPERS))
BPF_OBJS      := $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%.bpf.o,$(BPF_SRCS))
BPF_SKELS     := $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))
UNIT_BINS     := $(patsubst selftests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
# benchmark programs linked with pluto's objects (selftests/bench/tunnel-setup.sh)
BENCH_BINS    := $(BUILD)/bench/ikeload $(BUILD)/bench/ikecrypto

LIBCOMMON   := $(BUILD)/libcommon.a
LIBCONTROLD := $(BUILD)/libcontrold.a
LIBLOADER   := $(BUILD)/libloader.a

PROGS := $(BUILD)/whack $(BUILD)/_updown
ifneq ($(wildcard controld/main.c),)
PROGS += $(BUILD)/pluto
endif
ifneq ($(wildcard loader/main.c),)
PROGS += $(BUILD)/pluto-bpf
endif

.PHONY: all deps test unit install uninstall clean demo vmtest fuzz check-style
all: $(PROGS) $(UNIT_BINS) $(BENCH_BINS)

# Objects that include generated skeletons must wait for them.
$(CONTROLD_OBJS) $(LOADER_OBJS) $(UNIT_HELPER_OBJS) $(BUILD)/obj/controld/main.o: | $(BPF_SKELS)

$(BUILD)/obj/%.o: %.c
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(LIBCOMMON): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(LIBCONTROLD): $(CONTROLD_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(LIBLOADER): $(LOADER_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/pluto: $(BUILD)/obj/controld/main.o $(LIBCONTROLD) $(LIBLOADER) $(LIBCOMMON)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# the default updown script sits beside pluto in the build tree (pluto looks there)
$(BUILD)/_updown: controld/_updown
	@mkdir -p $(@D)
	$(Q)install -m 0755 $< $@

$(BUILD)/whack: $(WHACK_OBJS) $(LIBCOMMON)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/pluto-bpf: $(BUILD)/obj/loader/main.o $(LIBLOADER) $(LIBCOMMON)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# --- BPF objects and skeletons ---------------------------------------------
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_x86 -Iinclude -I$(BUILD) \
	      -Wall -Werror -Wno-unused-function
# <asm/types.h> (from <linux/types.h>) lives in the multiarch directory, which clang does
# not search for -target bpf.
BPF_CFLAGS += -idirafter /usr/include/$(shell $(CC) -dumpmachine)

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c $(wildcard include/pluto/*.h) $(wildcard bpf/*.h)
	$(call msg,BPF,$@)
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c -o $@ $<

# Keep the objects (make would delete them as intermediates): bpftool and tests load them.
.SECONDARY: $(BPF_OBJS)

$(BUILD)/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@

# --- tests -------------------------------------------------------------------
$(BUILD)/tests/%: selftests/unit/%.c $(UNIT_HELPER_OBJS) $(LIBCONTROLD) $(LIBLOADER) $(LIBCOMMON) | $(BPF_SKELS)
	$(call msg,TEST,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) -Iselftests/unit $(CFLAGS) $(LDFLAGS) -o $@ $< \
		$(UNIT_HELPER_OBJS) $(LIBCONTROLD) $(LIBLOADER) $(LIBCOMMON) -lcmocka $(LDLIBS)

# --- benchmarks (never tests) ---------------------------------------------------
$(BUILD)/bench/%: selftests/bench/%.c $(LIBCONTROLD) $(LIBLOADER) $(LIBCOMMON) | $(BPF_SKELS)
	$(call msg,BENCH,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< \
		$(LIBCONTROLD) $(LIBLOADER) $(LIBCOMMON) $(LDLIBS)

test: all
	@BUILD=$(BUILD) selftests/run.sh

unit: all
	@BUILD=$(BUILD) selftests/run.sh unit

vmtest: all
	@BUILD=$(BUILD) selftests/run.sh vm

demo: all
	@BUILD=$(BUILD) ./demo/run.sh

deps:
	@./mk/deps.sh

install: $(PROGS)
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/share/man/man8 \
		$(DESTDIR)$(PREFIX)/share/man/man5
	install -m 0755 $(BUILD)/pluto $(BUILD)/whack $(DESTDIR)$(PREFIX)/sbin/
	if [ -x $(BUILD)/pluto-bpf ]; then install -m 0755 $(BUILD)/pluto-bpf $(DESTDIR)$(PREFIX)/sbin/; fi
	install -d $(DESTDIR)$(LIBEXECDIR)
	install -m 0755 controld/_updown $(DESTDIR)$(LIBEXECDIR)/_updown
	install -m 0644 docs/pluto.8 docs/whack.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	install -m 0644 docs/ipsec.secrets.5 docs/ipsec.conf.5 $(DESTDIR)$(PREFIX)/share/man/man5/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/sbin/pluto $(DESTDIR)$(PREFIX)/sbin/whack $(DESTDIR)$(PREFIX)/sbin/pluto-bpf
	rm -f $(DESTDIR)$(LIBEXECDIR)/_updown
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/share/man/man8/,pluto.8 whack.8)
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/share/man/man5/,ipsec.secrets.5 ipsec.conf.5)

check-style:
	@clang-format --dry-run --Werror $(LIB_SRCS) $(CONTROLD_SRCS) $(WHACK_SRCS) controld/main.c

include mk/fuzz.mk

clean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
