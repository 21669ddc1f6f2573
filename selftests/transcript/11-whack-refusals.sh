#!/bin/bash
# whack's own refusals: "If whack detects a problem, it will return an exit status of 1",
# with a message on stderr naming the option, and nothing is sent to pluto (its log
# shows nothing new, checked after a --status round trip). No interfaces: no topology.
set -u
. "$(dirname "$0")/lib.sh"

t_start_pluto 24511
t_log_mark

# the command line itself
t_whack --bogus
t_whack --status -xy
t_whack --name
t_whack --status extra
t_whack --name a --name b --status
t_whack --name "" --status
t_whack --name x
t_whack --delete
t_whack --route
t_whack --deletestate 0
t_whack --deletestate x

# addresses, subnets, identities
t_whack --name x --host bad_address --to --host 10.0.0.2
t_whack --name x --host 10.0.0.1 --to --host 10.0.0.2 --nexthop bad_address
t_whack --name x --host 10.0.0.1 --client 10.0.1.1/24 --to --host 10.0.0.2 --encrypt
t_whack --name x --host 10.0.0.1 --client 10.0.1.0/33 --to --host 10.0.0.2 --encrypt
t_whack --name x --id "C=CH, O=Example" --host 10.0.0.1 --to --host 10.0.0.2

# the shape of the connection form
t_whack --host 10.0.0.1 --to --host 10.0.0.2
t_whack --name x --host 10.0.0.1 --to --host 10.0.0.2 --to
t_whack --name x --host 10.0.0.1 --to
t_whack --name x --host 10.0.0.1 --host 10.0.0.3 --to --host 10.0.0.2
t_whack --name x --host %any --to --host %any
t_whack --name x --host 10.0.0.1 --client 10.0.1.0/24 --to --host 10.0.0.2
t_whack --name x --host 10.0.0.1 --to --host 10.0.0.2 --tunnel

# address families
t_whack --name x --ipv6 --host 10.0.0.1 --to --host 10.0.0.2
t_whack --name x --host 10.0.0.1 --to --host 2001:db8::2
t_whack --name x --tunnelipv6 --host 10.0.0.1 --client 10.0.1.0/24 --to --host 10.0.0.2 --encrypt

# numbers and algorithms
t_whack --name x --host 10.0.0.1 --to --host 10.0.0.2 --ikelifetime 28801
t_whack --name x --host 10.0.0.1 --to --host 10.0.0.2 --ipseclifetime 86401
t_whack --name x --host 10.0.0.1 --to --host 10.0.0.2 --keyingtries x
t_whack --name x --host 10.0.0.1 --to --host 10.0.0.2 --rekeyfuzz -1
t_whack --name x --host 10.0.0.1 --ikeport 0 --to --host 10.0.0.2
t_whack --name x --host 10.0.0.1 --to --host 10.0.0.2 --ike blowfish-sha1
t_whack --name x --host 10.0.0.1 --to --host 10.0.0.2 --encrypt --esp aes128-null
t_whack --name x --host 10.0.0.1 --to --host 10.0.0.2 --dpddelay 86401
t_whack --name x --host 10.0.0.1 --to --host 10.0.0.2 --dpddelay 10 --dpdaction none
t_whack --name x --host 10.0.0.1 --to --host 10.0.0.2 --dpdtimeout 60

"$WHACK" --ctlbase "$CTLBASE" --status >/dev/null 2>&1
t_log_unchanged "nothing reached pluto: its log shows nothing new"
t_check "pluto keeps running" t_pluto_alive

t_done
