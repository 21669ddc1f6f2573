# libFuzzer harnesses (fuzz/fuzz_<target>.c), included from the top Makefile.
#
#   make fuzz                          build every harness, then fuzz each for FUZZ_SECONDS (30)
#   make fuzz FUZZ_SECONDS=600 FUZZ_TARGETS="ike_codec secrets"
#   make fuzz-build                    only build them: build/fuzz/fuzz_<target>
#   make fuzz-merge                    fold what fuzzing found (build/fuzz/corpus/<target>)
#                                      into fuzz/corpus/<target>, keeping only new coverage
#
# Every harness links the project's own code as pluto does -- lib/*.c, controld/*.c and
# loader/*.c (controld's dataplane.c calls it), but not the main.c files -- compiled with
# clang for libFuzzer, ASan and UBSan into build/fuzz/, so each parser is fuzzed as pluto
# runs it.  The harnesses are also linked with --wrap for the calls that
# fuzz/sandbox.h fences (file opens, glob, getaddrinfo).  selftests/fuzz/replay.sh replays
# the corpora as regression tests.

FUZZ_CC      ?= clang
FUZZ_BUILD   := build/fuzz
FUZZ_SECONDS ?= 30
FUZZ_SRCS    := $(sort $(wildcard fuzz/fuzz_*.c))
FUZZ_TARGETS ?= $(patsubst fuzz/fuzz_%.c,%,$(FUZZ_SRCS))
FUZZ_BINS    := $(patsubst fuzz/%.c,$(FUZZ_BUILD)/%,$(FUZZ_SRCS))
FUZZ_PROJ_OBJS := $(patsubst %.c,$(FUZZ_BUILD)/obj/%.o,$(LIB_SRCS) $(CONTROLD_SRCS) $(LOADER_SRCS))
FUZZ_LIB     := $(FUZZ_BUILD)/libproject.a

FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# clang and gcc warn differently: the gcc build enforces -Werror on the project's code;
# here only the harnesses must be warning-free.
FUZZ_WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
		-Wno-unused-parameter
FUZZ_CFLAGS  := $(CSTD) -g -O1 $(FUZZ_SAN) $(FUZZ_WARN) $(DEPFLAGS)
FUZZ_WRAP    := -Wl,--wrap=fopen,--wrap=open,--wrap=glob,--wrap=getaddrinfo

.PHONY: fuzz-build fuzz-merge
# make would delete the harness objects as intermediates
.SECONDARY: $(patsubst fuzz/%.c,$(FUZZ_BUILD)/obj/fuzz/%.o,$(wildcard fuzz/*.c))

fuzz: fuzz-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) fuzz/run.sh fuzz $(FUZZ_TARGETS)

fuzz-build: $(FUZZ_BINS)

fuzz-merge: fuzz-build
	@fuzz/run.sh merge $(FUZZ_TARGETS)

$(FUZZ_BUILD)/obj/fuzz/%.o: fuzz/%.c
	$(call msg,FUZZCC,$@)
	@mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(CPPFLAGS) -Ifuzz $(FUZZ_CFLAGS) -Werror -fsanitize=fuzzer-no-link \
		-c -o $@ $<

# the loader includes the BPF skeletons
$(FUZZ_BUILD)/obj/%.o: %.c | $(BPF_SKELS)
	$(call msg,FUZZCC,$@)
	@mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_LIB): $(FUZZ_PROJ_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: $(FUZZ_BUILD)/obj/fuzz/fuzz_%.o $(FUZZ_BUILD)/obj/fuzz/sandbox.o $(FUZZ_LIB)
	$(call msg,FUZZLD,$@)
	$(Q)$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) $(FUZZ_WRAP) -o $@ $^ $(LDLIBS)

-include $(shell find $(FUZZ_BUILD) -name '*.d' 2>/dev/null)
