#!/usr/bin/env bash
# coatid satellite behind a NAT router -> coatid hub (tests/interop/satellite_natt.sh), in
# whichever bed runs it: in the VM both sides install ESP-in-UDP SAs and a ping crosses
# the router as UDP 4500, before and after the NAT's mapping changes.
exec bash "$COATI_SRC/tests/interop/satellite_natt.sh" "$@"
