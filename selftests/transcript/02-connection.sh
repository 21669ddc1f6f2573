#!/bin/bash
# The connection form with every flag of the manual's synopsis (and Libreswan's --ike and
# --esp), each shown back by --status; IPv6 hosts and clients, a Road Warrior (%any);
# replacing a connection (--delete in the connection form: no diagnostic when there was
# nothing to replace); the delete form; --deletestate of a state that does not exist.
# Connections are only described, never used: no interfaces, no topology.
set -u
. "$(dirname "$0")/lib.sh"

t_start_pluto 24502

t_whack --name full --id @left.example.com --host 192.0.2.1 --ikeport 4500 \
	--nexthop 192.0.2.254 --client 10.1.0.0/16 --dnskeyondemand --updown /bin/true \
	--to --id user@right.example.com --host 198.51.100.1 --ikeport 500 \
	--nexthop 198.51.100.254 --client 10.2.0.0/255.255.0.0 \
	--updown "/usr/local/sbin/updown right" \
	--psk --rsasig --encrypt --authenticate --compress --tunnel --pfs --disablearrivalcheck \
	--ipv4 --tunnelipv4 --ikelifetime 1000 --ipseclifetime 2000 --rekeymargin 100 \
	--rekeyfuzz 50 --keyingtries 0 --dontrekey \
	--ike aes256-sha2_256-modp2048,aes128-sha1-modp1536 --esp aes_gcm256,aes128-sha1
t_whack --status
status=$(cat "$T/out")
t_check "--status shows the left end's --updown" grep -q '^000 "full":.*/bin/true' <<<"$status"
t_check "--status shows the right end's --updown" \
	grep -q '^000 "full":.*/usr/local/sbin/updown right' <<<"$status"
t_check "--status shows --dnskeyondemand" grep -qi '^000 "full":.*dnskey' <<<"$status"

t_whack --name v6 --ipv6 --host 2001:db8::1 --client 2001:db8:1::/48 \
	--to --host 2001:db8::2 --client 2001:db8:2::/48 --tunnelipv6 --rsasig --encrypt
t_whack --name v4in6 --ipv6 --host 2001:db8::1 --client 10.1.0.0/16 \
	--to --host 2001:db8::2 --client 10.2.0.0/16 --tunnelipv4 --psk --encrypt
t_whack --name rw --host 192.0.2.1 --to --host %any --psk --authenticate
t_whack --status

# the obsolete notations: --host 0.0.0.0 for %any, --nexthop 0.0.0.0 for %direct
t_whack --name old --host 192.0.2.1 --nexthop %direct --to --host 0.0.0.0 --nexthop 0.0.0.0 \
	--psk
ends_of_old() {
	"$WHACK" --ctlbase "$CTLBASE" --status | grep -E '^000 "old": [^ ]'
}
t_run "whack --status (the ends of old)" ends_of_old

# replace: the old description goes, the new one is added
t_whack --name full --delete --host 192.0.2.1 --to --host 198.51.100.2 --psk
t_whack --name fresh --delete --host 192.0.2.1 --to --host 203.0.113.1 --rsasig
# the delete form
t_whack --delete --name v6
t_whack --delete --name v4in6
t_whack --status
t_whack --delete --name v6
t_whack --deletestate 7

# --client: "The address can be either a domain name or four decimal numbers", and
# "any of the forms supported by ipsec_atosubnet(3)", where %default is 0.0.0.0/0
t_whack --name dns --host 10.0.0.1 --client localhost/32 --to --host 10.0.0.2 --encrypt
t_whack --name default --host 10.0.0.1 --client %default --to --host 10.0.0.2 \
	--client 10.2.0.0/16 --encrypt
routing() {
	"$WHACK" --ctlbase "$CTLBASE" --status | grep -E '^000 "(dns|default)": [^ ]'
}
t_run "whack --status (the ends of dns and default)" routing

# dead peer detection: shown in --status when --dpddelay is given; the timeout and
# action default to 120 s and hold
t_whack --name dpd --host 10.0.0.1 --to --host 10.0.0.3 --psk --dpddelay 30 \
	--dpdtimeout 150 --dpdaction restart
t_whack --name dpddefault --host 10.0.0.1 --to --host 10.0.0.4 --psk --dpddelay 5
dpd_lines() {
	"$WHACK" --ctlbase "$CTLBASE" --status | grep -E '^000 "dpd(default)?":.*dpd_'
}
t_run "whack --status (the DPD settings)" dpd_lines

t_done
