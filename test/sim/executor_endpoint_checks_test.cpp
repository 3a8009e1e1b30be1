// The agent's checks on /api/v1/executor (sim::check_executor_request) one by
// one, and their order: recovery, method, Content-Type, body, validation,
// Accept, HEARTBEAT, lookups, subscription state, and what a valid call
// turns into. Every case with a body runs in both content types.
// Authentication is in executor_endpoint_auth_test.cpp, the replay of the
// real agent's recordings in executor_endpoint_replay_test.cpp.
#include "sim/executor_endpoint_support.hpp"

#include <mesos_http/sim/executor_endpoint.hpp>

#include <google/protobuf/util/message_differencer.h>

#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

using namespace mesos_http::test::executor_endpoint;

namespace {

const content_type both[] = {content_type::protobuf, content_type::json};

// What the validation step answers for `call` (the executor exists and
// is subscribed, so only validation can refuse it).
std::pair<unsigned, std::string> validated(content_type type, const exec::Call& call) {
  fake_agent a;
  a.has_executor(executor_status::running);
  request r;
  r.content_type = std::string(mesos_http::media_type(type));
  r.body = type == content_type::json ? encode(type, call) : call.SerializePartialAsString();
  const auto out = check(r, a);
  return {out.answer.status, out.answer.body};
}

std::string invalid(const std::string& why) { return "Failed to validate Executor::Call: " + why; }

}  // namespace

// ---------------------------------------------------------------------------
// Before the body is read.

TEST_CASE("executor endpoint: an agent not ready to reconnect executors answers 503 first",
          "[sim][executor_endpoint]") {
  fake_agent a;
  a.view.reconnect_ready = false;
  request r;
  r.method = GENERATE(as<std::string>{}, "POST", "GET", "");
  r.body = "\xff not a call";
  const auto out = check(r, a);
  CHECK(out.answer.status == 503);
  CHECK(out.answer.body == "Agent has not finished recovery");
  CHECK(out.action == executor_action::respond);
  CHECK(a.lookups == 0);
}

TEST_CASE("executor endpoint: any method but POST is 405 with Allow: POST",
          "[sim][executor_endpoint]") {
  fake_agent a;
  request r;
  r.method = GENERATE(as<std::string>{}, "GET", "PUT", "post", "DELETE", "\x01\xfe");
  r.content_type = "text/plain";  // not looked at
  const auto out = check(r, a);
  CHECK(out.answer.status == 405);
  CHECK(header_of(out.answer, "Allow") == std::string("POST"));
  CHECK(out.answer.body ==
        "405 Method Not Allowed. Expecting one of { 'POST' }, but received '" + r.method + "'.");
}

TEST_CASE("executor endpoint: Content-Type missing is 400, anything but the two types is 415",
          "[sim][executor_endpoint]") {
  fake_agent a;
  a.has_executor(executor_status::running);
  request r = call_request(content_type::protobuf, update_call());
  SECTION("missing") {
    r.content_type.reset();
    const auto out = check(r, a);
    CHECK(out.answer.status == 400);
    CHECK(out.answer.body == "Expecting 'Content-Type' to be present");
  }
  SECTION("byte-for-byte compare") {
    r.content_type = GENERATE(as<std::string>{}, "text/plain", "application/json; charset=utf-8",
                              "Application/JSON", "application/x-protobuf ", "application/protobuf",
                              "application/recordio", "");
    INFO(*r.content_type);
    const auto out = check(r, a);
    CHECK(out.answer.status == 415);
    CHECK(out.answer.body ==
          "Expecting 'Content-Type' of application/json or application/x-protobuf");
  }
  CHECK(a.lookups == 0);
}

// ---------------------------------------------------------------------------
// The body.

TEST_CASE("executor endpoint: protobuf bodies that do not parse are 400",
          "[sim][executor_endpoint]") {
  fake_agent a;
  a.has_executor(executor_status::running);
  exec::Call no_ids;  // executor_id and framework_id are required
  no_ids.set_type(exec::Call::HEARTBEAT);
  exec::Call no_state = update_call();  // TaskStatus.state is required
  no_state.mutable_update()->mutable_status()->clear_state();
  request r;
  r.content_type = "application/x-protobuf";
  r.body = GENERATE_COPY(as<std::string>{}, std::string("\xff\xff\xff\xff\x0f garbage"),
                         std::string("{\"type\": \"HEARTBEAT\"}"),
                         no_ids.SerializePartialAsString(), no_state.SerializePartialAsString());
  const auto out = check(r, a);
  CHECK(out.answer.status == 400);
  CHECK(out.answer.body == "Failed to parse body into Call protobuf");
}

TEST_CASE("executor endpoint: JSON bodies Mesos cannot read are 400 with its words",
          "[sim][executor_endpoint]") {
  fake_agent a;
  a.has_executor(executor_status::running);
  const std::string ids =
      "\"executor_id\":{\"value\":\"task-1\"},\"framework_id\":{\"value\":\"" + fw + "\"}";
  const std::string syntax = "Failed to parse body into JSON: ";
  const std::string conversion = "Failed to convert JSON into Call protobuf: ";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", syntax + "syntax error at line 1 near: "},
      {"{\"type\": \"HEARTBEAT\", ", syntax + "syntax error at line 1 near: "},
      {"[]", conversion + "Expecting a JSON object"},
      {"\"SUBSCRIBE\"", conversion + "Expecting a JSON object"},
      {"{\"type\":\"SUBSCRIBE\",\"subscribe\":{}}",
       conversion + "Missing required fields: executor_id, framework_id"},
      {"{\"executor_id\":\"task-1\"}",
       conversion + "Not expecting a JSON string for field 'executor_id'"},
      {"{" + ids + ",\"type\":\"MESSAGE\",\"message\":{\"data\":\"!!\"}}",
       conversion + "Failed to base64 decode bytes field 'data': Invalid character '!'"},
      {"{" + ids +
           ",\"type\":\"UPDATE\",\"update\":{\"status\":{\"task_id\":{\"value\":\"t\"},"
           "\"state\":\"TASK_NOPE\"}}}",
       conversion + "Failed to find enum for 'TASK_NOPE'"},
      {"{" + ids + ",\"type\":\"UPDATE\",\"update\":{\"status\":{\"task_id\":{\"value\":\"t\"}}}}",
       conversion + "Missing required fields: update.status.state"},
      {"{" + ids + ",\"type\":\"SUBSCRIBE\",\"subscribe\":{\"unacknowledged_tasks\":\"t\"}}",
       conversion + "Not expecting a JSON string for field 'unacknowledged_tasks'"},
      // Mesos reads an object given for a repeated message as one element.
      {"{" + ids + ",\"type\":\"SUBSCRIBE\",\"subscribe\":{\"unacknowledged_tasks\":{}}}",
       conversion + "Missing required fields: subscribe.unacknowledged_tasks[0].name, "
                    "subscribe.unacknowledged_tasks[0].task_id, "
                    "subscribe.unacknowledged_tasks[0].agent_id"},
  };
  for (const auto& [body, text] : cases) {
    INFO(body);
    request r;
    r.content_type = "application/json";
    r.body = body;
    const auto out = check(r, a);
    CHECK(out.answer.status == 400);
    CHECK(out.answer.body == text);
  }
  CHECK(a.lookups == 0);
}

// ---------------------------------------------------------------------------
// validateExecutorCall.

TEST_CASE("executor endpoint: a call without a type is invalid, in both content types",
          "[sim][executor_endpoint]") {
  const content_type type = GENERATE(values({content_type::protobuf, content_type::json}));
  exec::Call call = base_call(exec::Call::UPDATE);
  call.clear_type();
  CHECK(validated(type, call) == std::make_pair(400u, invalid("Expecting 'type' to be present")));

  // An unknown name in JSON is dropped: the same answer.
  fake_agent a;
  a.has_executor(executor_status::running);
  request r;
  r.content_type = "application/json";
  r.body =
      "{\"type\":\"NOT_A_CALL\",\"executor_id\":{\"value\":\"e\"},\"framework_id\":{"
      "\"value\":\"f\"}}";
  CHECK(check(r, a).answer.body == invalid("Expecting 'type' to be present"));
}

TEST_CASE("executor endpoint: each call type needs its payload", "[sim][executor_endpoint]") {
  const content_type type = GENERATE(values({content_type::protobuf, content_type::json}));
  CHECK(validated(type, base_call(exec::Call::SUBSCRIBE)) ==
        std::make_pair(400u, invalid("Expecting 'subscribe' to be present")));
  CHECK(validated(type, base_call(exec::Call::UPDATE)) ==
        std::make_pair(400u, invalid("Expecting 'update' to be present")));
  CHECK(validated(type, base_call(exec::Call::MESSAGE)) ==
        std::make_pair(400u, invalid("Expecting 'message' to be present")));
  // An empty `subscribe` is enough.
  CHECK(validated(type, subscribe_call()).first == 200);
}

TEST_CASE("executor endpoint: UPDATE's status is checked in Mesos's order",
          "[sim][executor_endpoint]") {
  const content_type type = GENERATE(values({content_type::protobuf, content_type::json}));
  const std::string from = " from executor task-1 of framework " + fw;
  auto with = [](auto change) {
    exec::Call call = update_call();
    change(*call.mutable_update()->mutable_status());
    return call;
  };
  using status_t = mesos::v1::TaskStatus;

  CHECK(validated(type, with([](status_t& s) { s.clear_uuid(); })) ==
        std::make_pair(400u, invalid("Expecting 'uuid' to be present")));
  for (std::string uuid : {std::string(15, '\x40'), std::string(17, '\x40'), std::string()}) {
    CHECK(validated(type, with([&](status_t& s) { s.set_uuid(uuid); })) ==
          std::make_pair(400u, invalid("Not a valid UUID")));
  }
  for (char version : {'\x0b', '\x6b', '\xfb'}) {  // version nibbles 0, 6, 15
    std::string uuid = uuid_v4();
    uuid[6] = version;
    CHECK(validated(type, with([&](status_t& s) { s.set_uuid(uuid); })) ==
          std::make_pair(400u, invalid("Not a valid UUID")));
  }
  CHECK(validated(type, with([](status_t& s) { s.mutable_executor_id()->set_value("other"); })) ==
        std::make_pair(400u, invalid("ExecutorID in Call: task-1 does not match ExecutorID in "
                                     "TaskStatus: other")));
  // No executor id in the status is fine.
  CHECK(validated(type, with([](status_t& s) { s.clear_executor_id(); })).first == 202);

  const std::string bad_source =
      invalid("Received Call" + from + " with invalid source, expecting 'SOURCE_EXECUTOR'");
  CHECK(validated(type, with([](status_t& s) { s.clear_source(); })) ==
        std::make_pair(400u, bad_source));
  CHECK(validated(type, with([](status_t& s) { s.set_source(status_t::SOURCE_MASTER); })) ==
        std::make_pair(400u, bad_source));
  CHECK(validated(type, with([](status_t& s) { s.set_source(status_t::SOURCE_AGENT); })) ==
        std::make_pair(400u, bad_source));
  CHECK(validated(type, with([](status_t& s) { s.set_state(mesos::v1::TASK_STAGING); })) ==
        std::make_pair(400u, invalid("Received TASK_STAGING" + from + " which is not allowed")));

  // The first problem wins: uuid, executor id, source, state.
  auto all = [](status_t& s) {
    s.set_uuid("short");
    s.mutable_executor_id()->set_value("other");
    s.clear_source();
    s.set_state(mesos::v1::TASK_STAGING);
  };
  CHECK(validated(type, with(all)).second == invalid("Not a valid UUID"));
  CHECK(validated(type, with([&](status_t& s) {
                    all(s);
                    s.set_uuid(uuid_v4());
                  }))
            .second.find("ExecutorID in Call") != std::string::npos);
  CHECK(validated(type, with([&](status_t& s) {
                    all(s);
                    s.set_uuid(uuid_v4());
                    s.clear_executor_id();
                  })) == std::make_pair(400u, bad_source));
}

TEST_CASE("executor endpoint: an UPDATE's check status must be complete",
          "[sim][executor_endpoint]") {
  const content_type type = GENERATE(values({content_type::protobuf, content_type::json}));
  using mesos::v1::CheckInfo;
  auto with = [](auto change) {
    exec::Call call = update_call();
    change(*call.mutable_update()->mutable_status()->mutable_check_status());
    return call;
  };
  using info_t = mesos::v1::CheckStatusInfo;
  const std::vector<std::pair<exec::Call, std::string>> cases = {
      {with([](info_t&) {}), "CheckStatusInfo must specify 'type'"},
      {with([](info_t& i) { i.set_type(CheckInfo::COMMAND); }),
       "Expecting 'command' to be set for COMMAND check's status"},
      {with([](info_t& i) { i.set_type(CheckInfo::HTTP); }),
       "Expecting 'http' to be set for HTTP check's status"},
      {with([](info_t& i) { i.set_type(CheckInfo::TCP); }),
       "Expecting 'tcp' to be set for TCP check's status"},
      {with([](info_t& i) { i.set_type(CheckInfo::UNKNOWN); }),
       "'UNKNOWN' is not a valid check's status type"},
  };
  for (const auto& [call, text] : cases) {
    INFO(text);
    CHECK(validated(type, call) == std::make_pair(400u, invalid(text)));
  }
  CHECK(validated(type, with([](info_t& i) {
                    i.set_type(CheckInfo::TCP);
                    i.mutable_tcp()->set_succeeded(true);
                  }))
            .first == 202);
}

TEST_CASE("executor endpoint: validation comes before Accept and before any lookup",
          "[sim][executor_endpoint]") {
  const content_type type = GENERATE(values({content_type::protobuf, content_type::json}));
  fake_agent a;  // knows nothing
  a.view.recovering = true;
  request r = call_request(type, base_call(exec::Call::SUBSCRIBE));  // no `subscribe`
  r.accept = "text/html";
  const auto out = check(r, a);
  CHECK(out.answer.status == 400);
  CHECK(out.answer.body == invalid("Expecting 'subscribe' to be present"));
  CHECK(a.lookups == 0);
}

// ---------------------------------------------------------------------------
// Accept, HEARTBEAT, recovery.

TEST_CASE("executor endpoint: SUBSCRIBE negotiates Accept, JSON first, 406 if neither",
          "[sim][executor_endpoint]") {
  const content_type type = GENERATE(values({content_type::protobuf, content_type::json}));
  fake_agent a;
  a.has_executor(executor_status::registering);
  const std::vector<std::pair<std::optional<std::string>, std::optional<content_type>>> cases = {
      {std::nullopt, content_type::json},
      {"application/json", content_type::json},
      {"application/x-protobuf", content_type::protobuf},
      {"*/*", content_type::json},
      {"application/*", content_type::json},
      {"application/json;q=0, application/x-protobuf", content_type::protobuf},
      {"application/x-protobuf, application/json;q=0.1", content_type::json},
      {"text/html", std::nullopt},
      {"application/json;q=0", std::nullopt},
      {"", std::nullopt},
  };
  for (const auto& [accept, expected] : cases) {
    INFO((accept ? *accept : "(no Accept)"));
    request r = call_request(type, subscribe_call());
    r.accept = accept;
    const auto out = check(r, a);
    if (expected) {
      CHECK(out.answer.status == 200);
      CHECK(out.response_type == *expected);
      CHECK(header_of(out.answer, "Content-Type") ==
            std::string(mesos_http::media_type(*expected)));
    } else {
      CHECK(out.answer.status == 406);
      CHECK(out.answer.body ==
            "Expecting 'Accept' to allow 'application/x-protobuf' or 'application/json'");
      CHECK(out.action == executor_action::respond);
    }
  }
}

TEST_CASE("executor endpoint: Accept is not looked at for other calls",
          "[sim][executor_endpoint]") {
  const content_type type = GENERATE(values({content_type::protobuf, content_type::json}));
  fake_agent a;
  a.has_executor(executor_status::running);
  for (const exec::Call& call : {update_call(), message_call(), heartbeat_call()}) {
    request r = call_request(type, call);
    r.accept = "text/html";
    CHECK(check(r, a).answer.status == 202);
  }
}

TEST_CASE("executor endpoint: HEARTBEAT is 202 at once, ids never looked up",
          "[sim][executor_endpoint]") {
  const content_type type = GENERATE(values({content_type::protobuf, content_type::json}));
  fake_agent a;  // knows no framework, and is recovering
  a.view.recovering = true;
  const auto out = check(call_request(type, heartbeat_call()), a);
  CHECK(out.answer.status == 202);
  CHECK(out.answer.body.empty());
  CHECK(out.answer.headers.empty());
  CHECK(out.action == executor_action::respond);
  CHECK(a.lookups == 0);
}

TEST_CASE("executor endpoint: while recovering only SUBSCRIBE and HEARTBEAT are served",
          "[sim][executor_endpoint]") {
  const content_type type = GENERATE(values({content_type::protobuf, content_type::json}));
  fake_agent a;
  a.has_executor(executor_status::running);
  a.view.recovering = true;
  for (const exec::Call& call : {update_call(), message_call(), base_call(exec::Call::UNKNOWN)}) {
    INFO(exec::Call::Type_Name(call.type()));
    const auto out = check(call_request(type, call), a);
    CHECK(out.answer.status == 503);
    CHECK(out.answer.body == "Agent has not finished recovery");
    CHECK(out.action == executor_action::respond);
  }
  CHECK(a.lookups == 0);
  const auto out = check(call_request(type, subscribe_call()), a);
  CHECK(out.answer.status == 200);
  CHECK(out.action == executor_action::subscribe);
}

// ---------------------------------------------------------------------------
// Lookups and subscription state.

TEST_CASE("executor endpoint: unknown framework, then unknown executor, are 400",
          "[sim][executor_endpoint]") {
  const content_type type = GENERATE(values({content_type::protobuf, content_type::json}));
  const exec::Call call =
      GENERATE(subscribe_call(), update_call(), message_call(), base_call(exec::Call::UNKNOWN));
  fake_agent a;
  SECTION("framework") {
    const auto out = check(call_request(type, call), a);
    CHECK(out.answer.status == 400);
    CHECK(out.answer.body == "Framework cannot be found");
  }
  SECTION("executor") {
    a.frameworks.insert(fw);
    a.executors[{fw, "other-executor"}] = sim::executor_record{executor_status::running, "c"};
    const auto out = check(call_request(type, call), a);
    CHECK(out.answer.status == 400);
    CHECK(out.answer.body == "Executor cannot be found");
  }
  SECTION("a view without callbacks knows nothing") {
    sim::agent_view empty;
    const auto out = sim::check_executor_request(call_request(type, call).view(), empty);
    CHECK(out.answer.status == 400);
    CHECK(out.answer.body == "Framework cannot be found");
  }
}

TEST_CASE("executor endpoint: before its first SUBSCRIBE an executor may only subscribe",
          "[sim][executor_endpoint]") {
  const content_type type = GENERATE(values({content_type::protobuf, content_type::json}));
  fake_agent a;
  a.has_executor(executor_status::registering);
  for (const exec::Call& call : {update_call(), message_call(), base_call(exec::Call::UNKNOWN)}) {
    INFO(exec::Call::Type_Name(call.type()));
    const auto out = check(call_request(type, call), a);
    CHECK(out.answer.status == 403);
    CHECK(out.answer.body == "Executor is not subscribed");
  }
  CHECK(check(call_request(type, subscribe_call()), a).answer.status == 200);
}

// ---------------------------------------------------------------------------
// What valid calls become.

TEST_CASE("executor endpoint: SUBSCRIBE opens a stream: 200, chunked, no Mesos-Stream-Id",
          "[sim][executor_endpoint]") {
  const content_type type = GENERATE(values({content_type::protobuf, content_type::json}));
  const executor_status status = GENERATE(executor_status::registering, executor_status::running,
                                          executor_status::terminating);
  fake_agent a;
  a.has_executor(status);
  exec::Call call = subscribe_call();  // a re-subscription with unacknowledged state
  *call.mutable_subscribe()->add_unacknowledged_updates() = update_call().update();
  call.mutable_subscribe()->add_unacknowledged_tasks()->set_name("t");
  auto* task = call.mutable_subscribe()->mutable_unacknowledged_tasks(0);
  task->mutable_task_id()->set_value("task-1");
  task->mutable_agent_id()->set_value("agent-S0");
  const auto out = check(call_request(type, call), a);
  CHECK(out.action == executor_action::subscribe);
  CHECK(out.answer.status == 200);
  CHECK(out.answer.body.empty());
  const std::vector<std::pair<std::string, std::string>> headers = {
      {"Transfer-Encoding", "chunked"},
      {"Content-Type", std::string(mesos_http::media_type(type))}};
  CHECK(out.answer.headers == headers);
  CHECK(out.request_type == type);
  CHECK(out.response_type == type);
  CHECK(google::protobuf::util::MessageDifferencer::Equals(out.call, call));
  CHECK_FALSE(out.claims);
}

TEST_CASE("executor endpoint: UPDATE and MESSAGE are 202 and passed on",
          "[sim][executor_endpoint]") {
  const content_type type = GENERATE(values({content_type::protobuf, content_type::json}));
  const executor_status status = GENERATE(executor_status::running, executor_status::terminating);
  fake_agent a;
  a.has_executor(status);

  auto out = check(call_request(type, update_call()), a);
  CHECK(out.action == executor_action::update);
  CHECK(out.answer.status == 202);
  CHECK(out.answer.body.empty());
  CHECK(out.answer.headers.empty());
  CHECK(google::protobuf::util::MessageDifferencer::Equals(out.call, update_call()));

  out = check(call_request(type, message_call()), a);
  CHECK(out.action == executor_action::message);
  CHECK(out.answer.status == 202);
  CHECK(out.answer.body.empty());
  CHECK(out.call.message().data() == std::string("hi\0there", 8));
}

TEST_CASE("executor endpoint: type UNKNOWN is 501 once the executor is found",
          "[sim][executor_endpoint]") {
  const content_type type = GENERATE(values({content_type::protobuf, content_type::json}));
  fake_agent a;
  a.has_executor(executor_status::running);
  const auto out = check(call_request(type, base_call(exec::Call::UNKNOWN)), a);
  CHECK(out.answer.status == 501);
  CHECK(out.answer.body == "501 Not Implemented.");
  CHECK(out.action == executor_action::respond);
}

// ---------------------------------------------------------------------------
// Robustness.

TEST_CASE("executor endpoint: a throwing view becomes a 500, never an exception",
          "[sim][executor_endpoint]") {
  fake_agent a;
  a.view.framework = [](const std::string&) -> bool { throw std::runtime_error("boom"); };
  const auto out = check(call_request(content_type::json, update_call()), a);
  CHECK(out.answer.status == 500);
  CHECK(out.answer.body == "500 Internal Server Error.");
  CHECK(out.action == executor_action::respond);
}

TEST_CASE("executor endpoint: hostile bodies get 400, never a crash", "[sim][executor_endpoint]") {
  fake_agent a;
  a.has_executor(executor_status::running);
  const std::string valid = encode(content_type::protobuf, update_call());
  const std::string json = encode(content_type::json, update_call());
  std::vector<std::string> bodies = {std::string(200, '{'), std::string(5000, '['),
                                     std::string("\0\0\0", 3), "{\"a\":" + std::string(300, '[')};
  for (std::size_t cut = 0; cut < valid.size(); ++cut) bodies.push_back(valid.substr(0, cut));
  for (std::size_t cut = 0; cut < json.size(); cut += 7) bodies.push_back(json.substr(0, cut));
  for (const content_type type : both) {
    for (const std::string& body : bodies) {
      request r;
      r.content_type = std::string(mesos_http::media_type(type));
      r.body = body;
      const auto out = check(r, a);
      CHECK((out.answer.status == 400 || out.answer.status == 202));
      CHECK(out.action != executor_action::subscribe);
    }
  }
}
