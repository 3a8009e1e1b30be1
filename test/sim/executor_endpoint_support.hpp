// Test support for the executor endpoint tests: an agent whose executors the
// test sets, a request that owns its bytes, executor calls, and small
// helpers. Header-only; uses Catch2 assertions (call from TEST_CASEs only).
#ifndef MESOS_HTTP_TEST_SIM_EXECUTOR_ENDPOINT_SUPPORT_HPP
#define MESOS_HTTP_TEST_SIM_EXECUTOR_ENDPOINT_SUPPORT_HPP

#include <mesos_http/codec.hpp>
#include <mesos_http/content_type.hpp>
#include <mesos_http/diagnostics.hpp>
#include <mesos_http/sim/executor_endpoint.hpp>

#include <mesos/v1/executor/executor.pb.h>

#include <catch2/catch.hpp>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>

namespace mesos_http::test::executor_endpoint {

namespace exec = mesos::v1::executor;
namespace sim = mesos_http::sim;

using mesos_http::codec;
using mesos_http::content_type;
using sim::executor_action;
using sim::executor_status;

inline const std::string fw = "5e1c7a62-3f0d-4b8e-a1c4-2d9f0e7b6a31-0000";
inline const std::string ex = "task-1";
inline const std::string container = "c40005b7-c623-4514-885d-74086c270ef4";

// An agent whose state the test sets; the view's callbacks read it.
struct fake_agent {
  sim::agent_view view;
  std::set<std::string> frameworks;
  std::map<std::pair<std::string, std::string>, sim::executor_record> executors;
  int lookups = 0;  // calls of either callback

  fake_agent() {
    view.framework = [this](const std::string& id) {
      ++lookups;
      return frameworks.count(id) > 0;
    };
    view.executor = [this](const std::string& f,
                           const std::string& e) -> std::optional<sim::executor_record> {
      ++lookups;
      const auto it = executors.find({f, e});
      if (it == executors.end()) return std::nullopt;
      return it->second;
    };
  }
  fake_agent(const fake_agent&) = delete;
  fake_agent& operator=(const fake_agent&) = delete;

  // The executor `ex` of framework `fw`, in `status`.
  void has_executor(executor_status status) {
    frameworks.insert(fw);
    executors[{fw, ex}] = sim::executor_record{status, container};
  }
};

// A request owning its bytes.
struct request {
  std::string method = "POST";
  std::string target = "/slave(1)/api/v1/executor";
  std::optional<std::string> content_type;
  std::optional<std::string> accept;
  std::optional<std::string> authorization;
  std::string body;

  sim::http_request_view view() const {
    sim::http_request_view v;
    v.method = method;
    v.target = target;
    if (content_type) v.content_type = *content_type;
    if (accept) v.accept = *accept;
    if (authorization) v.authorization = *authorization;
    v.body = body;
    return v;
  }
};

inline std::string encode(content_type type, const exec::Call& call) {
  std::string out;
  mesos_http::diagnostics diag;
  const auto ec = codec(type).encode(call, out, diag);
  INFO(diag.message());
  REQUIRE_FALSE(ec);
  return out;
}

// A request carrying `call` in `type`, accepting the same type.
inline request call_request(content_type type, const exec::Call& call) {
  request r;
  r.content_type = std::string(mesos_http::media_type(type));
  r.accept = r.content_type;
  r.body = encode(type, call);
  return r;
}

inline exec::Call base_call(exec::Call::Type type) {
  exec::Call call;
  call.set_type(type);
  call.mutable_framework_id()->set_value(fw);
  call.mutable_executor_id()->set_value(ex);
  return call;
}

inline exec::Call subscribe_call() {
  exec::Call call = base_call(exec::Call::SUBSCRIBE);
  call.mutable_subscribe();
  return call;
}

// 16 bytes with version nibble 4, as random UUIDs have.
inline std::string uuid_v4() {
  std::string u(16, '\x5a');
  u[6] = '\x4b';
  return u;
}

inline exec::Call update_call() {
  exec::Call call = base_call(exec::Call::UPDATE);
  auto* status = call.mutable_update()->mutable_status();
  status->mutable_task_id()->set_value("task-1");
  status->set_state(mesos::v1::TASK_RUNNING);
  status->set_source(mesos::v1::TaskStatus::SOURCE_EXECUTOR);
  status->mutable_executor_id()->set_value(ex);
  status->set_uuid(uuid_v4());
  return call;
}

inline exec::Call message_call() {
  exec::Call call = base_call(exec::Call::MESSAGE);
  call.mutable_message()->set_data(std::string("hi\0there", 8));
  return call;
}

inline exec::Call heartbeat_call() {
  exec::Call call;
  call.set_type(exec::Call::HEARTBEAT);
  // libmesos's placeholders.
  call.mutable_framework_id()->set_value("unused");
  call.mutable_executor_id()->set_value("unused");
  return call;
}

inline sim::executor_request check(const request& r, const fake_agent& a) {
  return sim::check_executor_request(r.view(), a.view);
}

inline std::optional<std::string> header_of(const sim::http_answer& a, std::string_view name) {
  for (const auto& [n, v] : a.headers) {
    if (n == name) return v;
  }
  return std::nullopt;
}

}  // namespace mesos_http::test::executor_endpoint

#endif  // MESOS_HTTP_TEST_SIM_EXECUTOR_ENDPOINT_SUPPORT_HPP
