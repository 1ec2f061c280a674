#!/usr/bin/env bash
# For the interrupt tests: the two-site topology with a charon, then a long sleep (the
# test interrupts it). Prints "lab_sleep: up" once everything is running.
tag=zz$$
source "$COATI_SRC/tests/interop/common.sh"
start_charon "$sat" armagnac
echo "lab_sleep: up $hub $sat $work"
sleep "${LAB_SLEEP:-120}" &
wait $!
