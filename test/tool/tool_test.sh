#!/usr/bin/env bash
# Usage: tool_test.sh MESOS_HTTP_BINARY PROJECT_SOURCE_DIR
# Checks `mesos-http decode` and `mesos-http encode` on the shipped sample
# stream and on malformed input: output, exit codes and error messages; and
# `mesos-http sim`: its flags, the /sim/ control endpoints and --exec (with
# curl, when installed).
set -u
tool=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
expect_exit() {  # expect_exit CODE DESCRIPTION -- command...
  local want=$1 what=$2; shift 3
  "$@" >"$work/out" 2>"$work/err"
  local got=$?
  [ "$got" = "$want" ] || fail "$what: exit $got, expected $want (stderr: $(head -c 300 "$work/err"))"
}
expect_grep() {  # expect_grep PATTERN FILE DESCRIPTION
  grep -q -- "$1" "$2" || fail "$3: '$1' not in $(head -c 300 "$2")"
}

sample_json="$src/examples/streams/scheduler-events.jsonl"
sample_pb="$src/examples/streams/scheduler-events.recordio"

# 1. The shipped protobuf sample decodes to exactly the shipped JSON lines.
expect_exit 0 "decode sample" -- "$tool" decode "$sample_pb"
cmp -s "$work/out" "$sample_json" || fail "decode of $sample_pb differs from $sample_json: $(diff "$work/out" "$sample_json" | head -5)"

# 2. encode -> decode round trip, both content types, from stdin.
for type in protobuf json; do
  "$tool" encode --content-type "$type" < "$sample_json" > "$work/stream.$type" || fail "encode $type"
  expect_exit 0 "decode $type" -- "$tool" decode --content-type "$type" "$work/stream.$type"
  cmp -s "$work/out" "$sample_json" || fail "round trip through $type changed the events"
  expect_exit 0 "decode $type sniffed" -- "$tool" decode - < "$work/stream.$type"
  cmp -s "$work/out" "$sample_json" || fail "sniffed round trip through $type changed the events"
done
cmp -s "$work/stream.protobuf" "$sample_pb" || fail "encode --content-type protobuf does not reproduce $sample_pb"

# 3. Executor calls through --api executor --calls.
echo '{"executor_id":{"value":"e"},"framework_id":{"value":"f"},"type":"HEARTBEAT"}' > "$work/calls.jsonl"
expect_exit 0 "encode executor call" -- "$tool" encode --api executor --calls --content-type protobuf "$work/calls.jsonl"
cp "$work/out" "$work/calls.rio"
expect_exit 0 "decode executor call" -- "$tool" decode --api executor --calls "$work/calls.rio"
cmp -s "$work/out" "$work/calls.jsonl" || fail "executor call round trip"

# 4. Malformed framing: message names the problem and the byte offset.
printf '20\n{"type":"HEARTBEAT"}x\n' > "$work/bad-length"
expect_exit 1 "bad length line" -- "$tool" decode "$work/bad-length"
expect_grep "non-digit" "$work/err" "bad length message"
expect_grep "at byte 23" "$work/err" "bad length offset"
expect_grep '"HEARTBEAT"' "$work/out" "records before the error are printed"

printf '99999999999\n' > "$work/huge"
expect_exit 1 "oversized record" -- "$tool" decode "$work/huge"
expect_grep "exceeds the maximum" "$work/err" "oversized message"

printf '20\n{"type":"HEARTBEAT"}30\n{"type"' > "$work/truncated"
expect_exit 1 "truncated stream" -- "$tool" decode "$work/truncated"
expect_grep "stream ended after 7 of 30" "$work/err" "truncated message"

# 5. Framing fine, record not an Event.
printf '20\n{"type":"HEARTBEAT"}9\n{"type":1' > "$work/bad-json"
expect_exit 1 "bad json record" -- "$tool" decode --content-type json "$work/bad-json"
expect_grep "record 1 at byte 25" "$work/err" "bad record position"
printf '3\n\x12\x05\x0a' > "$work/bad-pb"
expect_exit 1 "bad protobuf record" -- "$tool" decode --content-type protobuf "$work/bad-pb"
expect_grep "protobuf" "$work/err" "bad protobuf message"

# 6. encode reports the line of a bad message.
printf '{"type":"HEARTBEAT"}\n{"type":"UPDATE","update":{"status":{}}}\n' > "$work/bad-lines"
expect_exit 1 "encode bad line" -- "$tool" encode "$work/bad-lines"
expect_grep "line 2" "$work/err" "encode line number"
expect_grep "required" "$work/err" "encode missing required"

# 7. Usage errors exit 2.
expect_exit 2 "no command" -- "$tool"
expect_exit 2 "unknown command" -- "$tool" frobnicate
expect_exit 2 "bad api" -- "$tool" decode --api driver "$sample_pb"
expect_exit 2 "bad content type" -- "$tool" decode --content-type xml "$sample_pb"
expect_exit 2 "missing file" -- "$tool" decode "$work/does-not-exist"
expect_exit 0 "help" -- "$tool" help
expect_grep "decode" "$work/out" "help text"

# 8. sim: usage errors, startup faults, the /sim/ control endpoints and --exec.
expect_exit 0 "sim help" -- "$tool" sim --help
expect_grep "--exec" "$work/out" "sim help lists --exec"
expect_grep "--cut-at-byte" "$work/out" "sim help lists the fault flags"
expect_exit 2 "sim bad fault flag" -- "$tool" sim --port 0 --fail-status 42
expect_exit 2 "sim --work-dir without --exec" -- "$tool" sim --port 0 --work-dir "$work/x"
expect_exit 2 "sim bad chunk size" -- "$tool" sim --port 0 --chunk-size lots

wait_for() {  # wait_for PATTERN FILE: up to 10 s for PATTERN to appear
  for _ in $(seq 100); do grep -q -- "$1" "$2" 2>/dev/null && return 0; sleep 0.1; done
  return 1
}
status_of() { curl -s -o /dev/null -w '%{http_code}' "$@"; }

if command -v curl >/dev/null; then
  "$tool" sim --port 0 --exec --work-dir "$work/sandboxes" --fail-next 1 --fail-status 500 \
    >"$work/sim.out" 2>"$work/sim.err" &
  sim_pid=$!
  wait_for "Ctrl-C to stop" "$work/sim.out" || fail "sim did not start: $(cat "$work/sim.err")"
  url=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$work/sim.out" | head -1)
  expect_grep "master id [0-9a-f]\{8\}-" "$work/sim.out" "sim prints its master id"

  # Startup fault: the first request fails with 500, the next one is served.
  [ "$(status_of "$url/state")" = 500 ] || fail "--fail-next 1 --fail-status 500"
  [ "$(status_of "$url/state")" = 200 ] || fail "only one request fails"
  # Runtime faults over HTTP.
  curl -s -X POST -d '{"fail_next_requests":1}' "$url/sim/faults" >"$work/faults.json"
  expect_grep '"fail_status":500' "$work/faults.json" "POST /sim/faults keeps the other knobs"
  [ "$(status_of "$url/state")" = 500 ] || fail "POST /sim/faults fail_next_requests"
  [ "$(status_of -X POST -d '{"bogus":1}' "$url/sim/faults")" = 400 ] || fail "bad fault 400"
  # Leadership over HTTP.
  curl -s -X POST -d '{"leader":null}' "$url/sim/leader" >/dev/null
  [ "$(status_of -X POST -H 'Content-Type: application/json' -d '{}' "$url/api/v1/scheduler")" = 503 ] \
    || fail "no leader: 503"
  curl -s -X POST -d '{"leader":0}' "$url/sim/leader" >/dev/null

  # A framework over curl: subscribe, launch two command tasks from the offer.
  curl -sN -X POST "$url/api/v1/scheduler" -H 'Content-Type: application/json' \
    -D "$work/sub.headers" \
    -d '{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"me","name":"curl"}}}' \
    >"$work/stream" &
  curl_pid=$!
  wait_for '"OFFERS"' "$work/stream" || fail "no offer: $(head -c 300 "$work/stream")"
  stream_id=$(grep -i '^mesos-stream-id:' "$work/sub.headers" | cut -d' ' -f2 | tr -d '\r')
  framework=$(grep -o '"framework_id":{"value":"[^"]*"}' "$work/stream" | head -1 | cut -d'"' -f6)
  offer=$(grep -o '"id":{"value":"[^"]*-O[0-9]*"}' "$work/stream" | head -1 | cut -d'"' -f6)
  agent=$(grep -o '"agent_id":{"value":"[^"]*"}' "$work/stream" | head -1 | cut -d'"' -f6)
  task() {  # task ID COMMAND
    printf '{"name":"%s","task_id":{"value":"%s"},"agent_id":{"value":"%s"},"command":{"value":"%s"},"resources":[{"name":"cpus","type":"SCALAR","scalar":{"value":0.1}}]}' \
      "$1" "$1" "$agent" "$2"
  }
  accept='{"type":"ACCEPT","framework_id":{"value":"'$framework'"},"accept":{"offer_ids":[{"value":"'$offer'"}],"operations":[{"type":"LAUNCH","launch":{"task_infos":['$(task hello "echo hello from \$MESOS_TASK_ID")','$(task sleeper 'echo $$ > pid; exec sleep 100')']}}]}}'
  [ "$(status_of -X POST "$url/api/v1/scheduler" -H 'Content-Type: application/json' \
       -H "Mesos-Stream-Id: $stream_id" -d "$accept")" = 202 ] || fail "ACCEPT over curl"
  wait_for "\[task hello\] hello from hello" "$work/sim.out" || fail "--exec task output: $(cat "$work/sim.out")"
  wait_for "\[task hello\] command exited with status 0" "$work/sim.out" || fail "--exec exit line"
  wait_for '"TASK_STARTING"' "$work/stream" || fail "no TASK_STARTING on the stream"
  curl -s "$url/sim/calls" >"$work/calls.json"
  expect_grep '"call_type":"ACCEPT"' "$work/calls.json" "GET /sim/calls"
  [ "$(status_of -X POST "$url/sim/agents/nope/remove")" = 404 ] || fail "unknown agent 404"

  pid_file=$(ls "$work"/sandboxes/agents/*/frameworks/*/executors/sleeper/runs/*/pid 2>/dev/null | head -1)
  for _ in $(seq 100); do [ -s "$pid_file" ] && break; sleep 0.1; done
  sleeper=$(cat "$pid_file" 2>/dev/null)
  [ -n "$sleeper" ] && kill -0 "$sleeper" 2>/dev/null || fail "the sleeper task is not running"
  kill -TERM "$sim_pid"
  wait "$sim_pid" || fail "sim exit status after SIGTERM"
  kill -0 "$sleeper" 2>/dev/null && fail "task process $sleeper outlived the simulator"
  kill "$curl_pid" 2>/dev/null
  wait "$curl_pid" 2>/dev/null
else
  echo "curl not found: skipping the live sim checks"
fi

if [ "$failures" -ne 0 ]; then
  echo "$failures tool check(s) failed"
  exit 1
fi
echo "all tool checks passed"
