#!/usr/bin/env bash
# coatid hub <- charon satellite behind a NAT router (tests/interop/hub_natt.sh), in
# whichever bed runs it: in the VM the ESP-in-UDP SAs are installed and a ping crosses the
# tunnel as UDP 4500, before and after the NAT's mapping changes.
exec bash "$COATI_SRC/tests/interop/hub_natt.sh" "$@"
