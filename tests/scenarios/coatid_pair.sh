#!/usr/bin/env bash
# coatid hub <-> coatid satellite (tests/interop/coatid_pair.sh), in whichever bed runs it.
exec bash "$COATI_SRC/tests/interop/coatid_pair.sh" "$@"
