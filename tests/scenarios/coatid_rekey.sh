#!/usr/bin/env bash
# Phase-1 rekey, coatid hub <-> coatid satellite (tests/interop/coatid_rekey.sh), in whichever
# bed runs it: in the VM, pings cross the tunnel before, during and after two rekeys.
exec bash "$COATI_SRC/tests/interop/coatid_rekey.sh" "$@"
