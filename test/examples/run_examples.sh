#!/usr/bin/env bash
# Runs the example frameworks, `mesos-http execute` and `decline-all` against a simulator
# that really runs their commands, and checks what they report.
#   run_examples.sh MESOS_HTTP LAUNCH_COMMANDS COROUTINE_FRAMEWORK EXECUTOR_FRAMEWORK COMMAND_EXECUTOR
set -euo pipefail
tool=$1 launch=$2 coroutine=$3 executor_framework=$4 command_executor=$5
work=$(mktemp -d)
"$tool" sim --exec --port 0 --default-executor "$command_executor" >"$work/sim.log" 2>&1 &
sim=$!
cleanup() { kill -INT "$sim" 2>/dev/null || true; wait "$sim" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
master=""
for _ in $(seq 100); do
  master=$(sed -n 's/.*master listening on \(http[^ ]*\).*/\1/p' "$work/sim.log" | head -n 1)
  [ -n "$master" ] && break
  sleep 0.1
done
[ -n "$master" ] || { cat "$work/sim.log"; echo "simulator did not start"; exit 1; }
fail() { echo "FAIL: $*"; cat "$work/out" "$work/sim.log"; exit 1; }

for content in protobuf json; do
  "$launch" --master "$master" --content-type "$content" -- 'echo example-output' 'true' \
    >"$work/out" 2>&1 || fail "launch_commands ($content) exited $?"
  [ "$(grep -c 'TASK_FINISHED' "$work/out")" -eq 2 ] || fail "launch_commands: 2 FINISHED expected"
done
status=0
"$launch" --master "$master" -- 'exit 7' >"$work/out" 2>&1 || status=$?
[ "$status" -eq 1 ] || fail "launch_commands with a failing task should exit 1, not $status"
grep -q 'TASK_FAILED (Command exited with status 7)' "$work/out" || fail "failure message"

"$coroutine" --master "$master" -- 'echo a' 'echo b' >"$work/out" 2>&1 \
  || fail "coroutine_framework exited $?"
[ "$(grep -c 'TASK_FINISHED' "$work/out")" -eq 2 ] || fail "coroutine_framework: 2 FINISHED"

"$tool" execute --master "$master" -- 'echo from-execute' >"$work/out" 2>&1 \
  || fail "execute exited $?"
grep -q '^TASK_FINISHED' "$work/out" || fail "execute: TASK_FINISHED expected"
status=0
"$tool" execute --master "$master" --content-type json -- /bin/sh -c 'exit 5' \
  >"$work/out" 2>&1 || status=$?
[ "$status" -eq 1 ] || fail "execute of a failing command should exit 1, not $status"
grep -q 'Command exited with status 5' "$work/out" || fail "execute: failure message"
status=0
"$tool" execute >"$work/out" 2>&1 || status=$?
[ "$status" -eq 2 ] || fail "execute without --master should be a usage error"

# Tasks on a custom executor (command_executor as a real process), and as a
# task group on the "default executor" (the same program).
for mode in "" --group; do
  "$executor_framework" --master "$master" --executor "$command_executor" $mode -- \
    'echo "from $MESOS_TASK_ID"' 'true' >"$work/out" 2>&1 || fail "executor_framework $mode exited $?"
  [ "$(grep -c 'TASK_FINISHED' "$work/out")" -eq 2 ] || fail "executor_framework $mode: 2 FINISHED"
  grep -q '| from task-0' "$work/out" || fail "executor_framework $mode: the task's output"
  grep -q 'message from executor executor-1: echo:hello task-0' "$work/out" \
    || fail "executor_framework $mode: the executor's answer"
  grep -q 'executor executor-1 exited with status 0' "$work/out" \
    || fail "executor_framework $mode: a clean SHUTDOWN"
done
status=0
"$executor_framework" --master "$master" --executor "$command_executor" -- 'exit 4' \
  >"$work/out" 2>&1 || status=$?
[ "$status" -eq 1 ] || fail "executor_framework with a failing task should exit 1, not $status"

# decline-all declines every offer until SIGTERM, then prints its counters.
for content in protobuf json; do
  "$tool" decline-all --master "$master" --content-type "$content" >"$work/out" 2>&1 &
  decliner=$!
  sleep 2
  kill -TERM "$decliner"
  status=0
  wait "$decliner" || status=$?
  [ "$status" -eq 0 ] || fail "decline-all ($content) exited $status after SIGTERM"
  declined=$(sed -n 's/^offers declined: //p' "$work/out")
  [ "${declined:-0}" -ge 1 ] || fail "decline-all ($content): no offer declined"
  grep -q '^decline failures: 0$' "$work/out" || fail "decline-all ($content): failed DECLINEs"
  grep -q '^subscriptions: 1$' "$work/out" || fail "decline-all ($content): one subscription"
done

# The simulator prints a task's output when its process is reaped.
wait_for_log() {
  for _ in $(seq 100); do grep -q "$1" "$work/sim.log" && return 0; sleep 0.1; done
  fail "'$1' not in the simulator's log"
}
wait_for_log '^\[task task-0\] example-output'
wait_for_log '\] from-execute'
echo "examples OK"
