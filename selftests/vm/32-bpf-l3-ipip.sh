#!/bin/bash
# The netns test of the BPF dataplane on an ipip device (and a refused GRE device), in the
# VM: this host's kernel has neither ipip nor gre, Debian's has both. The test itself, its
# topology and its checks: selftests/netns/22-bpf-l3-ipip.sh.
set -u
dir=$(dirname "$0")
. "$dir/lib.sh"
modprobe ipip 2>/dev/null
modprobe ip_gre 2>/dev/null
exec "$dir/../netns/22-bpf-l3-ipip.sh"
