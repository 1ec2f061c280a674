#!/usr/bin/env bash
# coatid hub <- charon satellite (tests/interop/hub_charon.sh), in whichever bed runs it:
# in the VM the SAs are installed and a ping crosses the tunnel.
exec bash "$COATI_SRC/tests/interop/hub_charon.sh" "$@"
