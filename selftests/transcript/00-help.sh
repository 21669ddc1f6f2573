#!/bin/bash
# The help forms of whack and pluto ("The help form of whack is self-explanatory"), and
# the exit status of a command line that asks for nothing or for something unknown.
# No pluto is started: no topology.
set -u
. "$(dirname "$0")/lib.sh"

t_whack_raw --help
t_whack_raw --version
t_whack_raw
t_whack_raw --bogus
t_run "pluto --help" "$PLUTO" --help
t_run "pluto --version" "$PLUTO" --version
t_run "pluto --bogus" "$PLUTO" --bogus
t_run "pluto --ikeport 0" "$PLUTO" --ikeport 0
t_run "pluto --perpeerlog" "$PLUTO" --perpeerlog
t_run "pluto --use-bsdkame" "$PLUTO" --use-bsdkame
t_run "pluto --ctlbase x --rundir y" "$PLUTO" --ctlbase x --rundir y

t_done
