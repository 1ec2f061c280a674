# Lab bookkeeping shared by tests/lab/run.sh and tests/lab/lab.sh: who owns a run, and
# how to remove everything a run made. Sourcing it has no side effects.
#
# A run is named by its prefix P (LAB_PREFIX, [a-z0-9]+). Everything it makes carries P:
#   /run/coati-lab/P/          its state folder: "owner" (PID and start time of the
#                              process that owns the run), "pids" (one "PID START" a line),
#                              "tmpdirs" (one folder a line: the run's /tmp/coati-lab-P.*)
#   lab-P-NAME                 its network namespaces
#   LAB_PREFIX=P               in the environment of every process it starts
# A run whose owner is gone (a SIGKILLed runner, a crash) is stale: the next run removes it.
# Several runs may reap the same stale run at once: call lab_reap and lab_reap_stale
# where errexit does not apply (e.g. `lab_reap_stale || true`); a file or namespace that
# vanishes under them is no error.

LAB_RUNDIR=${LAB_RUNDIR:-/run/coati-lab}

# lab_proc_start PID: the process's start time in clock ticks (tells a reused PID apart).
lab_proc_start() {
  local s
  { read -r s <"/proc/$1/stat"; } 2>/dev/null || return 1 # (no fork: reaping loops call it often)
  s=${s##*) }
  # shellcheck disable=SC2086
  set -- $s
  echo "${20}"
}

# lab_alive "PID START": is that very process still running?
lab_alive() {
  local pid start
  read -r pid start <<<"$1"
  [ -n "$pid" ] && [ "$(lab_proc_start "$pid" || true)" = "$start" ]
}

# lab_ancestors: this shell and every process above it (never killed by a sweep).
lab_ancestors() {
  local p=$BASHPID s
  while [ -n "$p" ] && [ "$p" != 0 ]; do
    echo "$p"
    s=$(cat "/proc/$p/stat" 2>/dev/null) || break
    s=${s##*) }
    # shellcheck disable=SC2086
    set -- $s
    p=$2
  done
}

# lab_namespaces P: the namespaces of run P.
lab_namespaces() {
  ip netns list 2>/dev/null | awk -v p="lab-$1-" 'index($1, p) == 1 { print $1 }'
}

# lab_kill_recorded DIR SIGNAL: signals the processes listed in DIR/pids that still run
# (not this shell nor its ancestors: the runner records the scenario's PID there).
lab_kill_recorded() {
  local line skip
  [ -f "$1/pids" ] || return 0
  skip=" $(lab_ancestors | tr '\n' ' ') "
  while read -r line; do
    [[ "$skip" == *" ${line%% *} "* ]] && continue
    lab_alive "$line" && kill "-$2" "${line%% *}" 2>/dev/null
  done 2>/dev/null <"$1/pids"
  return 0
}

# lab_env_sweep P: SIGKILL to every process with LAB_PREFIX=P in its environment, except
# this shell and its ancestors.
lab_env_sweep() {
  local e skip p
  skip=" $(lab_ancestors | tr '\n' ' ') "
  for e in /proc/[0-9]*/environ; do
    p=${e#/proc/}
    p=${p%/environ}
    [[ "$skip" == *" $p "* ]] && continue
    tr '\0' '\n' 2>/dev/null <"$e" | grep -qx "LAB_PREFIX=$1" && kill -KILL "$p" 2>/dev/null
  done
  return 0
}

# lab_reap P [sweep]: removes run P: its recorded processes (SIGTERM, then SIGKILL), every
# process in its namespaces, the namespaces, its temporary folders and its state folder.
# With "sweep", also every process that carries LAB_PREFIX=P (for runs whose owner died).
lab_reap() {
  local p=$1 dir=$LAB_RUNDIR/$1 ns pid i busy d skip
  lab_kill_recorded "$dir" TERM
  skip=" $(lab_ancestors | tr '\n' ' ') " # (once: each pass of the 2 s below stays short)
  for i in $(seq 20); do
    busy=0
    if [ -f "$dir/pids" ]; then
      while read -r d; do
        [[ "$skip" == *" ${d%% *} "* ]] && continue
        lab_alive "$d" && busy=1
      done 2>/dev/null <"$dir/pids"
    fi
    [ "$busy" = 0 ] && break
    sleep 0.1
  done
  lab_kill_recorded "$dir" KILL
  [ "${2:-}" = sweep ] && lab_env_sweep "$p"
  for ns in $(lab_namespaces "$p"); do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
  done
  for ns in $(lab_namespaces "$p"); do
    for i in $(seq 20); do
      [ -z "$(ip netns pids "$ns" 2>/dev/null)" ] && break
      sleep 0.1
    done
    ip netns del "$ns" 2>/dev/null || true
  done
  if [ -f "$dir/tmpdirs" ]; then
    while read -r d; do
      case "$d" in /tmp/coati-lab-"$p".*) rm -rf "$d" ;; esac
    done 2>/dev/null <"$dir/tmpdirs"
  fi
  rm -rf "$dir"
}

# lab_reap_stale: removes every run whose owner is gone, and namespaces lab-P-* of runs
# that have no state folder any more (their owner died while tearing down).
lab_reap_stale() {
  local d p owner ns
  for d in "$LAB_RUNDIR"/*/; do
    [ -d "$d" ] || continue
    d=${d%/}
    p=${d##*/}
    if owner=$(cat "$d/owner" 2>/dev/null) && [ -n "$owner" ]; then
      lab_alive "$owner" && continue
    elif [ -z "$(find "$d" -maxdepth 0 -mmin +1)" ]; then
      continue # being created right now
    fi
    echo "lab: removing leftovers of run $p (owner ${owner:-unknown} is gone)" >&2
    lab_reap "$p" sweep
  done
  for ns in $(ip netns list 2>/dev/null | awk '{ print $1 }'); do
    [[ "$ns" =~ ^lab-([a-z0-9]+)-. ]] || continue
    p=${BASH_REMATCH[1]}
    [ -d "$LAB_RUNDIR/$p" ] && continue
    echo "lab: removing namespace $ns (run $p has no state any more)" >&2
    lab_reap "$p" sweep
  done
}
