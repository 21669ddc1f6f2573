#!/bin/bash
# A kernel that refuses the negotiated SA (this host's has no ESP at all): the
# responder refuses Quick Mode with ATTRIBUTES_NOT_SUPPORTED rather than answering with
# an SA it could not install, the initiator gives up at once, the error names the SA,
# and neither side keeps an IPsec SA or leaves anything in the kernel.
# Skipped where the kernel does have ESP (the VM tests cover that case).
#
#   ns west (pxw-PID) 192.0.2.1 <--veth--> 192.0.2.2 ns east (pxe-PID)
#   both plutos with the XFRM backend on (no --noklips), --no-bpf
set -u
. "$(dirname "$0")/lib-two-pluto.sh"
trap cleanup EXIT
need_root
probe=$(ip netns exec "$NW" ip xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp \
	spi 0x1000 mode tunnel enc 'cbc(aes)' 0x00112233445566778899aabbccddeeff \
	auth-trunc 'hmac(sha256)' 0x00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff 128 2>&1)
if [ $? -eq 0 ]; then
	echo "1..0 # SKIP this kernel has ESP"
	exit 0
fi
ip netns del "$NW"
ip netns del "$NE" # need_root made both; psk_pair makes them again
PLUTO_NOKLIPS=
psk_pair "kernel refuses"
for side in west east; do
	w "$side" "${conn_args[@]}" --psk --keyingtries 1 >/dev/null 2>&1
	w "$side" --listen >/dev/null 2>&1
done
out=$(w west --name t --initiate 2>&1)
rc=$?
echo "$out" | sed 's/^/# west: /'
check "whack --initiate fails, at once" [ "$rc" -ne 0 ]
check "west: the peer refused Quick Mode" grep -q 'peer refused Quick Mode' <<<"$out"
check "east: the kernel's error names the SA" \
	grep -q 'ERROR: kernel refused .*ESP SA 0x[0-9a-f]* 192.0.2.1 *-> *192.0.2.2' "$T/east.log"
check "east: QI1 refused: the kernel refused the inbound SA" \
	grep -q 'QI1 refused: the kernel refused the inbound SA' "$T/east.log"
check "east: ATTRIBUTES_NOT_SUPPORTED sent" \
	grep -q 'sending encrypted notification ATTRIBUTES_NOT_SUPPORTED' "$T/east.log"
check "west: received it" grep -q 'received notification ATTRIBUTES_NOT_SUPPORTED' "$T/west.log"
check "east: no IPsec SA kept" bash -c '! grep -q STATE_QUICK <<<"$1"' _ "$(w east --status)"
check "west: no IPsec SA kept" bash -c '! grep -q "IPsec SA established" <<<"$1"' _ "$(w west --status)"
for side in west east; do
	ns=$NW
	[ "$side" = east ] && ns=$NE
	check "$side: no XFRM policy left in the kernel" \
		[ -z "$(ip netns exec "$ns" ip xfrm policy)" ]
done
w west --shutdown >/dev/null 2>&1
w east --shutdown >/dev/null 2>&1
[ "$fails" -eq 0 ]
