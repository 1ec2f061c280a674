#!/usr/bin/env bash
# For the lab's interrupt tests (tests/lab/interrupt.sh, tests/lab/stale.sh): a topology
# with everything a real scenario leaves running (namespaces, a NAT rule, charon with its
# /run bind mount, a process with a private /etc, a capture), then a long sleep that the
# test interrupts. Prints "lab_midway: up" once all is running. LAB_SLEEP (default 300)
# sets the sleep; with 0 the scenario just passes.
. "${COATI_SRC:=$(cd "$(dirname "$0")/../.." && pwd)}/tests/lab/lab.sh"
lab_host hub 192.0.2.1 192.168.1.0/24 192.168.1.1
lab_host armagnac 198.51.100.3 192.168.3.0/24 192.168.3.1
lab_host rw 203.0.113.5 --nat 10.0.5.2/24
lab_charon_start armagnac
lab_pam_user hub lab-alice "alice secret"
lab_bg hub sleeper sleep 1000
lab_capture_start hub wire
echo "lab_midway: up $LAB_PREFIX $LAB_WORK"
lab_sleep "${LAB_SLEEP:-300}"
echo PASS
