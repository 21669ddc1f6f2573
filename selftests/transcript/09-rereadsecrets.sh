#!/bin/bash
# --rereadsecrets (Libreswan's addition) and --secretsfile globbing: "This name is subject
# to ``globbing'' as in sh(1), so every file with a matching name is processed." A file
# with errors is reported and the secrets already loaded stay in use; no secret ever
# appears in what pluto says. No interfaces: no topology.
set -u
. "$(dirname "$0")/lib.sh"

S=$T/secrets.d
mkdir -m 0700 "$S"
write_secret() {
	install -m 0600 /dev/null "$S/$1"
	printf '%s\n' "$2" >"$S/$1"
}
write_secret a.secrets '10.0.0.1 10.0.0.2 : PSK "first-secret-text"'
SECRETSFILE="$S/*.secrets"
t_start_pluto 24509

t_whack --rereadsecrets
write_secret b.secrets '@a.example.com @b.example.com : PSK "second-secret-text"'
t_whack --rereadsecrets
write_secret c.secrets '10.0.0.3 : PSK "third-secret-text'
t_whack --rereadsecrets
rm "$S/c.secrets"
t_whack --rereadsecrets
t_check "pluto keeps running" t_pluto_alive
t_check "no secret appears in pluto's log" \
	test "$(grep -c -- '-secret-text' "$PLUTO_LOG")" -eq 0

t_done
