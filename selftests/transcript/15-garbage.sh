#!/bin/bash
# Requests that are not whack requests, written straight to the control socket: "A bad
# request gets an error reply, never a crash" (docs/STYLE.md): each gets an error line
# (03x, a permanent failure) and pluto keeps serving; a client that connects and sends
# nothing does not hold up anyone else, and pluto drops it after 5 s.
# No interfaces: no topology.
set -u
. "$(dirname "$0")/lib.sh"

t_start_pluto 24515

cat >"$T/rawclient.py" <<'PY'
import socket, struct, sys, time
path, mode = sys.argv[1], sys.argv[2]
MAGIC = 0x77686B31
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(10)
s.connect(path)
if mode == "hello":
    s.sendall(b"hello")
elif mode == "garbage":
    s.sendall(b"GET / HTTP/1.0\r\nHost: pluto\r\n\r\n")
elif mode == "version":
    body = struct.pack("!HHI", 1, 4, 1 << 13)           # ops: --status
    s.sendall(struct.pack("!IHHI", MAGIC, 2, 0, 12 + len(body)) + body)
elif mode == "truncated":
    s.sendall(struct.pack("!IHHI", MAGIC, 1, 0, 100) + b"\0" * 20)
elif mode == "huge":
    s.sendall(struct.pack("!IHHI", MAGIC, 1, 0, 70000) + b"\0" * 4000)
elif mode == "hangup":                                  # a --status request, reply unread
    body = struct.pack("!HHI", 1, 4, 1 << 13)
    s.sendall(struct.pack("!IHHI", MAGIC, 1, 0, 12 + len(body)) + body)
    s.close()
    sys.exit(0)
elif mode == "stall":
    start = time.time()
    data = s.recv(4096)                                 # pluto closes: b""
    print("closed after %d s" % round(time.time() - start) if data == b"" else data)
    sys.exit(0)
s.shutdown(socket.SHUT_WR)
sys.stdout.write(s.makefile("rb").read().decode(errors="replace"))
PY

# whack_within SECONDS ARGS...: whack, quietly, given at most SECONDS to finish
whack_within() {
	timeout "$1" "$WHACK" --ctlbase "$CTLBASE" "${@:2}" >/dev/null 2>&1
}

raw() {
	python3 "$T/rawclient.py" "$CTLBASE.ctl" "$1"
}

t_run "raw client: hello (5 bytes, then end of request)" raw hello
t_run "raw client: an HTTP request" raw garbage
t_run "raw client: a whack header of version 2" raw version
t_run "raw client: a header announcing 100 bytes, 32 sent" raw truncated
t_run "raw client: a header announcing 70000 bytes" raw huge
t_run "raw client: a --status request, gone before the reply" raw hangup
t_check "pluto keeps running" t_pluto_alive
t_check "whack --status still works" whack_ok --status

# a client that sends nothing
raw stall >"$T/stall.out" 2>&1 &
stall_pid=$!
_t_bg+=("$stall_pid")
sleep 0.5
start=$(date +%s%N)
t_check "whack --status works while another client stalls" whack_within 4 --status
elapsed=$((($(date +%s%N) - start) / 1000000))
t_check "the stalled client does not hold up whack (${elapsed} ms)" test "$elapsed" -lt 2000
t_log_wait "pluto drops the stalled client after 5 s" \
	'whack client sent no complete request within 5 seconds' 8
if t_wait_exit "$stall_pid" 5; then
	t_check "the stalled client saw pluto close the connection" \
		grep -q 'closed after [4-6] s' "$T/stall.out"
else
	t_fail "the stalled client saw pluto close the connection within 10 s"
fi
t_check "pluto keeps running" t_pluto_alive

t_done
