# Shared compiler and linker settings for every C target (userspace).
CC        ?= cc
CLANG     ?= clang
BPFTOOL   ?= bpftool
PKG_CONFIG ?= pkg-config

CSTD      := -std=c11 -D_GNU_SOURCE
WARN      := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	     -Wno-unused-parameter -Wno-format-truncation -Werror
OPT       ?= -O2 -g
DEPFLAGS   = -MMD -MP

PKGS      := libcrypto libnl-3.0 libnl-route-3.0 libnl-xfrm-3.0 libbpf
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)

CPPFLAGS  += -Iinclude -Ilib -Icontrold -I$(BUILD) $(PKG_CFLAGS)
CFLAGS    += $(CSTD) $(WARN) $(OPT) $(DEPFLAGS)
LDLIBS    += $(PKG_LIBS) -lelf -lz -lpthread

ifeq ($(SANITIZE),1)
CFLAGS    += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS   += -fsanitize=address,undefined
endif

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' $(1) $(2);
endif
