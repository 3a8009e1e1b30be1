// The master's request checks (sim::check_scheduler_request) one by one, and
// their order: leadership, method, Content-Type, body parsing, call
// validation, in both content types where a body is involved. Accept,
// framework, authentication and hostile-input checks are in
// endpoint_access_test.cpp; the replay against the real master's recordings
// is in scheduler_endpoint_test.cpp.
#include "sim/endpoint_test_support.hpp"

#include <mesos_http/content_type.hpp>
#include <mesos_http/sim/scheduler_endpoint.hpp>

#include <mesos/v1/scheduler/scheduler.pb.h>

#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

using namespace mesos_http::test::endpoint;

// ---------------------------------------------------------------------------
// Leadership, recovery, method: before the body is looked at.

TEST_CASE("a non-leader redirects every request, whatever its method or body", "[sim][endpoint]") {
  fake_master m;
  m.view.leading = false;
  m.view.leader.emplace("m2.example.com:5050");
  m.view.recovered = false;  // not consulted before the redirect
  request r;
  r.method = GENERATE(as<std::string>{}, "POST", "GET", "PUT", "DELETE", "BREW", "");
  r.body = "\xff\x00 not a call";
  const auto out = check(r, m);
  CHECK(status_of(out) == 307);
  CHECK(body_of(out).empty());
  CHECK(header_of(out, "Location") == std::string("//m2.example.com:5050/master/api/v1/scheduler"));
  CHECK_FALSE(header_of(out, "Allow"));
}

TEST_CASE("the redirect names the path the master process serves, without the query",
          "[sim][endpoint]") {
  fake_master m;
  m.view.leading = false;
  m.view.leader.emplace("10.0.0.2:5050");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"/api/v1/scheduler", "//10.0.0.2:5050/master/api/v1/scheduler"},
      {"/master/api/v1/scheduler", "//10.0.0.2:5050/master/api/v1/scheduler"},
      {"/api/v1/scheduler?x=1&y", "//10.0.0.2:5050/master/api/v1/scheduler"},
      {"/api/v1/scheduler#frag", "//10.0.0.2:5050/master/api/v1/scheduler"},
      {"/api/v1/scheduler/more", "//10.0.0.2:5050/master/api/v1/scheduler/more"},
      // Odd targets: the endpoint's own path (never bytes that could break
      // the header).
      {"http://m1:5050/api/v1/scheduler", "//10.0.0.2:5050/master/api/v1/scheduler"},
      {"", "//10.0.0.2:5050/master/api/v1/scheduler"},
      {std::string("/api/v1/sch\r\nX-Evil: 1", 22), "//10.0.0.2:5050/master/api/v1/scheduler"},
      {"/api/v1/sch eduler", "//10.0.0.2:5050/master/api/v1/scheduler"},
  };
  for (const auto& [target, location] : cases) {
    INFO(target);
    request r;
    r.target = target;
    CHECK(header_of(check(r, m), "Location") == location);
  }
}

TEST_CASE("with no leader known the answer is 503 'No leader elected', any method",
          "[sim][endpoint]") {
  fake_master m;
  m.view.leading = false;
  request r;
  r.method = GENERATE(as<std::string>{}, "POST", "GET");
  const auto out = check(r, m);
  CHECK(status_of(out) == 503);
  CHECK(body_of(out) == "No leader elected");
  CHECK_FALSE(header_of(out, "Location"));
}

TEST_CASE("a leader still recovering answers 503 before looking at the method", "[sim][endpoint]") {
  fake_master m;
  m.view.recovered = false;
  request r;
  r.method = "GET";
  const auto out = check(r, m);
  CHECK(status_of(out) == 503);
  CHECK(body_of(out) == "Master has not finished recovery");
}

TEST_CASE("any method but POST (case-sensitive) is 405 with Allow: POST", "[sim][endpoint]") {
  fake_master m;
  request r;
  r.method = GENERATE(as<std::string>{}, "GET", "PUT", "post", "HEAD", "\x01\xfe");
  r.content_type = "text/plain";  // not looked at
  const auto out = check(r, m);
  CHECK(status_of(out) == 405);
  CHECK(header_of(out, "Allow") == std::string("POST"));
  CHECK(body_of(out) ==
        "405 Method Not Allowed. Expecting one of { 'POST' }, but received '" + r.method + "'.");
}

// ---------------------------------------------------------------------------
// Content-Type and body.

TEST_CASE("a missing Content-Type is 400, whatever the body", "[sim][endpoint]") {
  fake_master m;
  request r;
  r.body = GENERATE(as<std::string>{}, "", "{", "\xff\xff garbage");
  const auto out = check(r, m);
  CHECK(status_of(out) == 400);
  CHECK(body_of(out) == "Expecting 'Content-Type' to be present");
}

TEST_CASE("Content-Type is compared byte for byte, anything else is 415, body unread",
          "[sim][endpoint]") {
  fake_master m;
  m.subscribed();
  request r = call_request(content_type::json, reconcile_call());
  r.content_type = GENERATE(as<std::string>{}, "text/plain", "application/json; charset=utf-8",
                            "Application/JSON", "application/json ", " application/json",
                            "application/x-protobuf;", "application/protobuf", "");
  r.body = GENERATE(as<std::string>{}, "", "{\"type\":\"RECONCILE\"}", "\x80 garbage");
  INFO(*r.content_type);
  const auto out = check(r, m);
  CHECK(status_of(out) == 415);
  CHECK(body_of(out) == "Expecting 'Content-Type' of application/json or application/x-protobuf");
}

TEST_CASE("protobuf bodies that do not parse are 400 with Mesos's text", "[sim][endpoint]") {
  fake_master m;
  m.subscribed();
  sched::Call partial;  // framework_id without its required `value`
  partial.set_type(sched::Call::RECONCILE);
  partial.mutable_framework_id();
  partial.mutable_reconcile();
  request r;
  r.content_type = "application/x-protobuf";
  r.stream_id = stream;
  r.body =
      GENERATE_COPY(as<std::string>{}, std::string("\xff\xff\xff\xff\x0f garbage"),
                    std::string("{\"type\": \"RECONCILE\"}"), partial.SerializePartialAsString());
  const auto out = check(r, m);
  CHECK(status_of(out) == 400);
  CHECK(body_of(out) == "Failed to parse body into Call protobuf");
}

TEST_CASE("JSON syntax errors are 400 with picojson's words", "[sim][endpoint]") {
  fake_master m;
  m.subscribed();
  const std::vector<std::pair<std::string, std::string>> cases = {
      // At the end of the input (as recorded in 23 and 24).
      {"", "syntax error at line 1 near: "},
      {"{\"type\": \"RECONCILE\", ", "syntax error at line 1 near: "},
      {"   ", "syntax error at line 1 near: "},
      // Mid-input: the rest of the line from the offending character.
      {"{,}", "syntax error at line 1 near: ,}"},
      {"{\n  \"type\": @RECONCILE\n}", "syntax error at line 2 near: @RECONCILE"},
      // Control characters are left out of the quoted rest of the line.
      {"{\x01}\tx", "syntax error at line 1 near: }x"},
      // stout's own check after picojson: one value, then more.
      {"{} x", "Parsed JSON included non-whitespace trailing characters:  x"},
      {"{}{}\n", "Parsed JSON included non-whitespace trailing characters: {}"},
  };
  for (const auto& [body, detail] : cases) {
    INFO(body);
    request r;
    r.content_type = "application/json";
    r.stream_id = stream;
    r.body = body;
    const auto out = check(r, m);
    CHECK(status_of(out) == 400);
    CHECK(body_of(out) == "Failed to parse body into JSON: " + detail);
  }
}

TEST_CASE("JSON that does not convert into a Call is 400 with stout's words", "[sim][endpoint]") {
  fake_master m;
  m.subscribed();
  const std::string id = "\"framework_id\": {\"value\": \"" + fw + "\"}";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"[]", "Expecting a JSON object"},
      {"null", "Expecting a JSON object"},
      {"5", "Expecting a JSON object"},
      {"\"call\"", "Expecting a JSON object"},
      // As recorded in 26.
      {"{" + id + ", \"type\": \"RECONCILE\", \"reconcile\": {\"tasks\": \"oops\"}}",
       "Not expecting a JSON string for field 'tasks'"},
      {"{\"type\": 5}", "Not expecting a JSON number for field 'type'"},
      {"{\"framework_id\": {\"value\": true}}", "Not expecting a JSON boolean for field 'value'"},
      {"{\"framework_id\": {\"value\": {}}}", "Not expecting a JSON object for field 'value'"},
      {"{\"framework_id\": [{\"value\": \"x\"}]}",
       "Not expecting a JSON array for field 'framework_id'"},
      {"{\"type\": \"ACKNOWLEDGE\", \"acknowledge\": {\"uuid\": \"a-b\"}}",
       "Failed to base64 decode bytes field 'uuid': Invalid character '-'"},
      {"{\"type\": \"DECLINE\", \"decline\": {\"filters\": {\"refuse_seconds\": \"soon\"}}}",
       "Failed to parse 'soon' as a JSON number for field 'refuse_seconds': "
       "syntax error at line 1 near: soon"},
      {"{\"type\": \"DECLINE\", \"decline\": {\"filters\": {\"refuse_seconds\": \"true\"}}}",
       "Failed to parse 'true' as a JSON number for field 'refuse_seconds': "
       "Unexpected JSON type parsed"},
      // Keys are taken in sorted order: 'framework_id' is reported, not 'type'.
      {"{\"type\": 1, \"framework_id\": 2}",
       "Not expecting a JSON number for field 'framework_id'"},
      // Unknown keys are skipped, also when they sort first.
      {"{\"a\": [], \"Type\": 1, \"type\": true}", "Not expecting a JSON boolean for field 'type'"},
      // Missing required fields, as recorded in 34: after the type checks.
      {"{\"type\": \"SUBSCRIBE\", \"subscribe\": {\"framework_info\": {}}}",
       "Missing required fields: subscribe.framework_info.user, subscribe.framework_info.name"},
      {"{\"type\": \"SUBSCRIBE\", \"subscribe\": {}}",
       "Missing required fields: subscribe.framework_info"},
  };
  for (const auto& [body, detail] : cases) {
    INFO(body);
    request r;
    r.content_type = "application/json";
    r.stream_id = stream;
    r.body = body;
    const auto out = check(r, m);
    CHECK(status_of(out) == 400);
    CHECK(body_of(out) == "Failed to convert JSON into Call protobuf: " + detail);
  }
}

TEST_CASE("JSON Mesos accepts: unknown keys and enum names, null, numeric strings",
          "[sim][endpoint]") {
  fake_master m;
  m.subscribed();
  request r;
  r.content_type = "application/json";
  r.stream_id = stream;
  r.body = "{\"framework_id\": {\"value\": \"" + fw +
           "\"}, \"type\": \"DECLINE\", \"frameworkId\": 5, \"decline\": {\"offer_ids\": [], "
           "\"filters\": {\"refuse_seconds\": \"2.5\"}}, \"reconcile\": null}";
  const auto out = check(r, m);
  CHECK(status_of(out) == 0);
  CHECK(out.call.type() == sched::Call::DECLINE);
  CHECK(out.call.decline().filters().refuse_seconds() == 2.5);
  CHECK_FALSE(out.call.has_reconcile());
}

// ---------------------------------------------------------------------------
// validation::scheduler::call::validate, in both content types.

TEST_CASE("call validation: every rule, in both content types", "[sim][endpoint]") {
  const content_type type = GENERATE(content_type::json, content_type::protobuf);
  fake_master m;
  m.subscribed();

  struct validation_case {
    const char* what;
    sched::Call call;
    std::string expected;  // "" = valid
  };
  std::vector<validation_case> cases;
  const auto base = [](sched::Call::Type t) {
    sched::Call c;
    c.set_type(t);
    c.mutable_framework_id()->set_value(fw);
    return c;
  };
  {
    sched::Call c;
    c.mutable_framework_id()->set_value(fw);
    cases.push_back({"no type", c, "Expecting 'type' to be present"});
  }
  {
    sched::Call c;
    c.set_type(sched::Call::SUBSCRIBE);
    cases.push_back({"SUBSCRIBE without subscribe", c, "Expecting 'subscribe' to be present"});
  }
  {
    sched::Call c = subscribe_call();
    c.mutable_framework_id()->set_value("a");
    cases.push_back({"SUBSCRIBE framework_id only", c,
                     "'framework_id' differs from 'subscribe.framework_info.id'"});
    c.mutable_subscribe()->mutable_framework_info()->mutable_id()->set_value("b");
    cases.push_back(
        {"SUBSCRIBE ids differ", c, "'framework_id' differs from 'subscribe.framework_info.id'"});
    c.mutable_subscribe()->mutable_framework_info()->mutable_id()->set_value("a");
    cases.push_back({"SUBSCRIBE ids equal", c, ""});
  }
  {
    sched::Call c = subscribe_call();
    c.mutable_subscribe()->mutable_framework_info()->mutable_id()->set_value("a");
    cases.push_back({"SUBSCRIBE framework_info.id only", c,
                     "'framework_id' differs from 'subscribe.framework_info.id'"});
  }
  cases.push_back({"SUBSCRIBE, no ids", subscribe_call(), ""});
  {
    sched::Call c = reconcile_call();
    c.clear_framework_id();
    cases.push_back({"no framework_id", c, "Expecting 'framework_id' to be present"});
  }
  const std::vector<std::pair<sched::Call::Type, const char*>> needs_message = {
      {sched::Call::ACCEPT, "accept"},
      {sched::Call::DECLINE, "decline"},
      {sched::Call::ACCEPT_INVERSE_OFFERS, "accept_inverse_offers"},
      {sched::Call::DECLINE_INVERSE_OFFERS, "decline_inverse_offers"},
      {sched::Call::KILL, "kill"},
      {sched::Call::SHUTDOWN, "shutdown"},
      {sched::Call::ACKNOWLEDGE, "acknowledge"},
      {sched::Call::ACKNOWLEDGE_OPERATION_STATUS, "acknowledge_operation_status"},
      {sched::Call::RECONCILE, "reconcile"},
      {sched::Call::RECONCILE_OPERATIONS, "reconcile_operations"},
      {sched::Call::MESSAGE, "message"},
      {sched::Call::REQUEST, "request"},
      {sched::Call::UPDATE_FRAMEWORK, "update_framework"},
  };
  for (const auto& [t, name] : needs_message) {
    cases.push_back({name, base(t), std::string("Expecting '") + name + "' to be present"});
  }
  for (const auto t : {sched::Call::TEARDOWN, sched::Call::REVIVE, sched::Call::SUPPRESS}) {
    cases.push_back({"needs no message", base(t), ""});
  }
  {
    sched::Call c = base(sched::Call::ACKNOWLEDGE);
    auto* ack = c.mutable_acknowledge();
    ack->mutable_agent_id()->set_value("S0");
    ack->mutable_task_id()->set_value("t");
    ack->set_uuid(uuid_v4());
    cases.push_back({"ACKNOWLEDGE, 16-byte v4 uuid", c, ""});
    ack->set_uuid(uuid_v4().substr(0, 15));
    cases.push_back({"ACKNOWLEDGE, 15 bytes", c, "Not a valid UUID"});
    ack->set_uuid(uuid_v4() + "x");
    cases.push_back({"ACKNOWLEDGE, 17 bytes", c, "Not a valid UUID"});
    ack->set_uuid(std::string(16, '\0'));
    cases.push_back({"ACKNOWLEDGE, version 0", c, "Not a valid UUID"});
    std::string v6 = uuid_v4();
    v6[6] = '\x6f';
    ack->set_uuid(v6);
    cases.push_back({"ACKNOWLEDGE, version 6 (unknown to Boost 1.65)", c, "Not a valid UUID"});
  }
  {
    sched::Call c = base(sched::Call::ACKNOWLEDGE_OPERATION_STATUS);
    auto* ack = c.mutable_acknowledge_operation_status();
    ack->mutable_operation_id()->set_value("op");
    ack->set_uuid(uuid_v4());
    cases.push_back(
        {"ACKNOWLEDGE_OPERATION_STATUS without agent_id", c, "Expecting 'agent_id' to be present"});
    ack->mutable_agent_id()->set_value("S0");
    cases.push_back({"ACKNOWLEDGE_OPERATION_STATUS", c, ""});
    ack->set_uuid("short");
    cases.push_back({"ACKNOWLEDGE_OPERATION_STATUS, bad uuid", c, "Not a valid UUID"});
  }
  {
    sched::Call c = base(sched::Call::UPDATE_FRAMEWORK);
    auto* info = c.mutable_update_framework()->mutable_framework_info();
    info->set_user("root");
    info->set_name("n");
    cases.push_back({"UPDATE_FRAMEWORK without framework_info.id", c,
                     "'framework_id' differs from 'update_framework.framework_info.id'"});
    info->mutable_id()->set_value("other");
    cases.push_back({"UPDATE_FRAMEWORK, other id", c,
                     "'framework_id' differs from 'update_framework.framework_info.id'"});
    info->mutable_id()->set_value(fw);
    cases.push_back({"UPDATE_FRAMEWORK", c, ""});
  }

  for (const auto& vc : cases) {
    INFO(vc.what << " in " << mesos_http::to_string(type));
    const auto out = check(call_request(type, vc.call), m);
    if (vc.expected.empty()) {
      CHECK(status_of(out) == 0);
      CHECK(out.call.type() == vc.call.type());
      CHECK(out.request_type == type);
    } else {
      CHECK(status_of(out) == 400);
      CHECK(body_of(out) == "Failed to validate scheduler::Call: " + vc.expected);
    }
  }
}

TEST_CASE("an unrecognised type number or name leaves the type unset", "[sim][endpoint]") {
  fake_master m;
  m.subscribed();
  request r;
  r.stream_id = stream;
  SECTION("JSON") {
    r.content_type = "application/json";
    r.body = "{\"framework_id\": {\"value\": \"" + fw + "\"}, \"type\": \"NOT_A_CALL\"}";
  }
  SECTION("protobuf") {
    r.content_type = "application/x-protobuf";
    sched::Call c = reconcile_call();
    c.clear_type();
    r.body = c.SerializeAsString() + std::string("\x10\x63", 2);  // type = 99
  }
  const auto out = check(r, m);
  CHECK(status_of(out) == 400);
  CHECK(body_of(out) == "Failed to validate scheduler::Call: Expecting 'type' to be present");
}
