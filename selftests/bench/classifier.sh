#!/bin/bash
# Build and run the classifier benchmark (selftests/bench/classifier.c): ns/packet through
# the TC egress program with 10, 1,000 and 100,000 eroutes. Not a test (nothing runs it
# from selftests/run.sh). Needs root and a built tree (make).
set -eu
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
mkdir -p "$BUILD/bench"
${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -Iinclude -Iloader -I"$BUILD" \
	-Iselftests/unit -o "$BUILD/bench/classifier" selftests/bench/classifier.c \
	"$BUILD/libloader.a" $(pkg-config --libs libbpf) -lelf -lz
exec "$BUILD/bench/classifier"
