#!/bin/bash
# The crypto self-test: at start pluto checks every algorithm it can negotiate against
# known answers and logs "crypto self-test: N tests passed"; with a libcrypto that cannot
# do them (here an OpenSSL configuration that loads only the base provider, which has no
# algorithms) it says which test failed, exits with status 1 before it serves anything,
# and gives back its lock file. No interfaces: no topology.
set -u
. "$(dirname "$0")/lib.sh"

t_start_pluto 24522
t_log_wait "the log says the self-test passed" '^crypto self-test: [0-9]+ tests passed$'
t_check "it comes after the start-up line" \
	awk '/^Starting pluto/ { s = 1 } /^crypto self-test:/ { exit !s }' "$PLUTO_LOG"
t_check "pluto answers whack" whack_ok --status
t_check "whack --shutdown stops it" whack_ok --shutdown
t_wait_gone "$PLUTO_PID" 5 && PLUTO_PID=

cat >"$T/openssl.cnf" <<'CNF'
openssl_conf = openssl_init
[openssl_init]
providers = provider_sect
[provider_sect]
base = base_sect
[base_sect]
activate = 1
CNF
broken_pluto() {
	t_pluto_args 24522
	OPENSSL_CONF=$T/openssl.cnf timeout 5 "$PLUTO" "${T_PLUTO_ARGS[@]}"
}
t_run "pluto ... (OPENSSL_CONF: the base provider only)" broken_pluto
t_check "the failed pluto removed its lock file" test ! -e "$CTLBASE.pid"
t_check "it made no control socket" test ! -e "$CTLBASE.ctl"

t_done
