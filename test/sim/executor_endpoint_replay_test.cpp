// Replays every request recorded on /api/v1/executor of a real Mesos 1.11.1
// agent (MESOS_HTTP_TRACES_DIR, executor/) through
// `sim::check_executor_request`, with an `agent_view` holding what the agent
// knew at that moment, and compares with what it answered: the status, and
// the response head byte for byte (Date aside) as the simulator's server
// would write it. Then the same requests in JSON, and in situations the
// recordings do not show (the answers protocol.md a.5 gives for them).
#include "sim/executor_endpoint_support.hpp"
#include "sim/master_session.hpp"
#include "support/http_messages.hpp"
#include "support/traces.hpp"

#include <mesos_http/codec.hpp>
#include <mesos_http/content_type.hpp>
#include <mesos_http/sim/executor_endpoint.hpp>

#include <mesos/v1/executor/executor.pb.h>

#include <google/protobuf/util/message_differencer.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

using namespace mesos_http::test::executor_endpoint;

namespace {

namespace fs = std::filesystem;
using mesos_http::test::http_message;

// One recorded request on port 5051 and the agent's answer.
struct exchange {
  std::string where;  // "executor/cmd-echo-json.2-calls #2"
  std::string stem;   // "cmd-echo-json.2-calls"
  http_message request;
  http_message response;
  std::string response_bytes;  // the answer as it was on the wire
};

std::vector<exchange> recorded_exchanges() {
  const fs::path dir = mesos_http::test::traces_dir() / "executor";
  const std::string in = ".client-to-agent.raw";
  const std::string out = ".agent-to-client.raw";
  std::vector<exchange> all;
  for (const auto& path : mesos_http::test::files_ending(dir, in)) {
    const std::string stem = mesos_http::test::strip_suffix(path.filename().string(), in);
    const auto requests = mesos_http::test::load_messages(path);
    const std::string answer_bytes = mesos_http::test::load(dir / (stem + out));
    const auto responses = mesos_http::test::load_messages(dir / (stem + out));
    INFO(stem);
    REQUIRE(requests.size() == responses.size());
    for (std::size_t i = 0; i < requests.size(); ++i) {
      const auto& response = responses[i];
      all.push_back({"executor/" + stem + " #" + std::to_string(i + 1), stem, requests[i], response,
                     answer_bytes.substr(response.begin, response.end - response.begin)});
    }
  }
  return all;
}

bool is_executor_api(const http_message& request) {
  return request.target() == "/slave(1)/api/v1/executor" || request.target() == "/api/v1/executor";
}

sim::http_request_view view_of(const http_message& m) {
  sim::http_request_view v;
  v.method = m.method();
  v.target = m.target();
  v.content_type = m.header("Content-Type");
  v.accept = m.header("Accept");
  v.authorization = m.header("Authorization");
  v.body = m.body;
  return v;
}

exec::Call decode_call(const http_message& request) {
  exec::Call call;
  mesos_http::test::decode_ok(mesos_http::test::codec_for(request), request.body, call);
  return call;
}

// The agent of the recorded session: every executor that subscribed in the
// recordings, registering until its SUBSCRIBE (the `.1-subscribe`
// exchanges), running afterwards (its `.2-calls`).
struct recorded_agent : fake_agent {
  recorded_agent(const std::vector<exchange>& all, executor_status status) {
    for (const auto& e : all) {
      if (!is_executor_api(e.request)) continue;
      const exec::Call call = decode_call(e.request);
      if (call.type() != exec::Call::SUBSCRIBE) continue;
      frameworks.insert(call.framework_id().value());
      executors[{call.framework_id().value(), call.executor_id().value()}] =
          sim::executor_record{status, "container-of-" + call.executor_id().value()};
    }
  }
};

bool is_subscribe_exchange(const exchange& e) {
  return e.stem.find(".1-subscribe") != std::string::npos;
}

// The response head as recorded, and as our answer would be written with the
// recorded Date: status line, Date, the answer's headers, blank line.
std::string recorded_head(const exchange& e) {
  const std::size_t end = e.response_bytes.find("\r\n\r\n");
  REQUIRE(end != std::string::npos);
  return e.response_bytes.substr(0, end + 4);
}

std::string stream_head(const sim::http_answer& a, std::string_view date) {
  std::string out = "HTTP/1.1 200 OK\r\nDate: " + std::string(date) + "\r\n";
  for (const auto& [name, value] : a.headers) out += name + ": " + value + "\r\n";
  return out + "\r\n";
}

// `format_answer` writes today's date; put the recorded one in its place.
std::string with_date(std::string bytes, std::string_view date) {
  const std::size_t at = bytes.find("\r\nDate: ");
  REQUIRE(at != std::string::npos);
  const std::size_t end = bytes.find("\r\n", at + 2);
  return bytes.replace(at + 8, end - (at + 8), std::string(date));
}

}  // namespace

TEST_CASE("every recorded executor request is replayed or deliberately excluded",
          "[sim][executor_endpoint][replay]") {
  mesos_http::test::require_traces();
  std::set<std::string> excluded;
  std::size_t replayed = 0;
  for (const auto& e : recorded_exchanges()) {
    if (is_executor_api(e.request)) {
      ++replayed;
    } else {
      excluded.insert(e.stem + " " + std::string(e.request.target()));
    }
  }
  // The default executor's own calls to the agent's operator API.
  const std::set<std::string> operator_api = {
      "default-exec-group-json.3-operator-api-launch-container /slave(1)/api/v1",
      "default-exec-group-json.4-operator-api-wait-nested-container /slave(1)/api/v1"};
  CHECK(excluded == operator_api);
  CHECK(replayed == 21);  // 5 SUBSCRIBEs, 16 UPDATEs
}

TEST_CASE("the executor endpoint answers every recorded request as the real agent did",
          "[sim][executor_endpoint][replay]") {
  mesos_http::test::require_traces();
  const auto all = recorded_exchanges();
  recorded_agent before_subscribe(all, executor_status::registering);
  recorded_agent subscribed(all, executor_status::running);
  std::size_t streams = 0;
  std::size_t accepted = 0;
  for (const auto& e : all) {
    if (!is_executor_api(e.request)) continue;
    INFO(e.where);
    const auto& agent = is_subscribe_exchange(e) ? before_subscribe : subscribed;
    const sim::executor_request out = sim::check_executor_request(view_of(e.request), agent.view);
    const std::string date(e.response.header("Date").value_or(""));

    CHECK(out.answer.status == static_cast<unsigned>(e.response.status()));
    CHECK(google::protobuf::util::MessageDifferencer::Equals(out.call, decode_call(e.request)));
    CHECK(out.request_type == content_type::protobuf);
    if (e.response.status() == 200) {
      ++streams;
      CHECK(out.action == executor_action::subscribe);
      CHECK(out.response_type == mesos_http::test::codec_for(e.response).type());
      CHECK(stream_head(out.answer, date) == recorded_head(e));
      CHECK(e.response.header_count("Mesos-Stream-Id") == 0);
    } else {
      ++accepted;
      CHECK(out.action == executor_action::update);
      CHECK(with_date(mesos_http::sim::detail::format_answer(out.answer), date) ==
            e.response_bytes);
    }
  }
  CHECK(streams == 5);
  CHECK(accepted == 16);
}

TEST_CASE("the recorded executor requests in JSON get the same answers",
          "[sim][executor_endpoint][replay]") {
  mesos_http::test::require_traces();
  const auto all = recorded_exchanges();
  recorded_agent before_subscribe(all, executor_status::registering);
  recorded_agent subscribed(all, executor_status::running);
  for (const auto& e : all) {
    if (!is_executor_api(e.request)) continue;
    INFO(e.where);
    const exec::Call call = decode_call(e.request);
    request r = call_request(content_type::json, call);
    const auto& agent = is_subscribe_exchange(e) ? before_subscribe : subscribed;
    const auto out = check(r, agent);
    CHECK(out.answer.status == static_cast<unsigned>(e.response.status()));
    CHECK(out.request_type == content_type::json);
    CHECK(google::protobuf::util::MessageDifferencer::Equals(out.call, call));
    if (out.action == executor_action::subscribe) {
      CHECK(header_of(out.answer, "Content-Type") == std::string("application/json"));
    }
  }
}

TEST_CASE("the recorded executor requests in situations the recordings do not show",
          "[sim][executor_endpoint][replay]") {
  mesos_http::test::require_traces();
  const auto all = recorded_exchanges();
  recorded_agent registering(all, executor_status::registering);
  recorded_agent terminating(all, executor_status::terminating);
  fake_agent empty;  // e.g. restarted without its checkpoints
  recorded_agent recovering(all, executor_status::running);
  recovering.view.recovering = true;
  recorded_agent not_ready(all, executor_status::running);
  not_ready.view.reconnect_ready = false;
  recorded_agent secured(all, executor_status::running);
  secured.view.jwt_secret = "s";

  for (const auto& e : all) {
    if (!is_executor_api(e.request)) continue;
    INFO(e.where);
    const bool subscribe = is_subscribe_exchange(e);
    const auto v = view_of(e.request);
    const auto answer = [&](const fake_agent& a) {
      return sim::check_executor_request(v, a.view).answer;
    };

    CHECK(answer(empty).status == 400);
    CHECK(answer(empty).body == "Framework cannot be found");
    CHECK(answer(not_ready).status == 503);
    CHECK(answer(secured).status == 401);
    CHECK(header_of(answer(secured), "WWW-Authenticate") ==
          std::string("Bearer realm=\"mesos-agent-executor\""));
    CHECK(answer(terminating).status == (subscribe ? 200u : 202u));
    if (subscribe) {
      CHECK(answer(recovering).status == 200);
    } else {
      CHECK(answer(registering).status == 403);
      CHECK(answer(registering).body == "Executor is not subscribed");
      CHECK(answer(recovering).status == 503);
    }

    auto bad = v;
    bad.method = "GET";
    CHECK(sim::check_executor_request(bad, registering.view).answer.status == 405);
    bad = v;
    bad.content_type.reset();
    CHECK(sim::check_executor_request(bad, registering.view).answer.status == 400);
    bad = v;
    bad.accept = "text/html";
    CHECK(sim::check_executor_request(bad, subscribe ? registering.view : terminating.view)
              .answer.status == (subscribe ? 406u : 202u));
  }
}
