#!/usr/bin/env bash
# Per-group rules with the groups from a real slapd (auth_source ldap, group_source ldap):
# tests/scenarios/hub_groups.sh with GROUPS_FROM=ldap.
GROUPS_FROM=ldap exec bash "${COATI_SRC:=$(cd "$(dirname "$0")/../.." && pwd)}/tests/scenarios/hub_groups.sh" "$@"
