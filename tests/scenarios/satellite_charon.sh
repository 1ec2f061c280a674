#!/usr/bin/env bash
# coatid satellite -> charon hub (tests/interop/satellite_charon.sh), in whichever bed runs it.
exec bash "$COATI_SRC/tests/interop/satellite_charon.sh" "$@"
