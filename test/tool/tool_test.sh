#!/usr/bin/env bash
# Usage: tool_test.sh MESOS_HTTP_BINARY PROJECT_SOURCE_DIR
# Checks `mesos-http decode` and `mesos-http encode` on the shipped sample
# stream and on malformed input: output, exit codes and error messages.
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

if [ "$failures" -ne 0 ]; then
  echo "$failures tool check(s) failed"
  exit 1
fi
echo "all tool checks passed"
