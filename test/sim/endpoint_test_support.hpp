// Test support for the endpoint check tests: a master whose state the test
// sets, a request that owns its bytes, and small helpers. Header-only.
#ifndef MESOS_HTTP_TEST_SIM_ENDPOINT_TEST_SUPPORT_HPP
#define MESOS_HTTP_TEST_SIM_ENDPOINT_TEST_SUPPORT_HPP

#include "detail/base64.hpp"

#include <mesos_http/codec.hpp>
#include <mesos_http/content_type.hpp>
#include <mesos_http/diagnostics.hpp>
#include <mesos_http/sim/scheduler_endpoint.hpp>

#include <mesos/v1/scheduler/scheduler.pb.h>

#include <catch2/catch.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace mesos_http::test::endpoint {

namespace sched = mesos::v1::scheduler;
namespace sim = mesos_http::sim;

using mesos_http::codec;
using mesos_http::content_type;
using sim::framework_status;

inline const std::string fw = "5e1c7a62-3f0d-4b8e-a1c4-2d9f0e7b6a31-0000";
inline const std::string stream = "0f8e2a44-9c1b-4d7e-8a55-3b6c1d2e9f70";

// A master whose state the test sets; the view's callbacks read it.
struct fake_master {
  sim::master_view view;
  std::map<std::string, framework_status> status;
  std::map<std::string, std::string> streams;
  std::map<std::string, std::string> principals;

  fake_master() {
    view.framework = [this](const std::string& id) {
      const auto it = status.find(id);
      return it == status.end() ? framework_status::unknown : it->second;
    };
    view.stream_id = [this](const std::string& id) -> std::optional<std::string> {
      const auto it = streams.find(id);
      if (it == streams.end()) return std::nullopt;
      return it->second;
    };
    view.framework_principal = [this](const std::string& id) {
      const auto it = principals.find(id);
      return it == principals.end() ? std::string() : it->second;
    };
  }
  fake_master(const fake_master&) = delete;
  fake_master& operator=(const fake_master&) = delete;

  // The framework `fw`, subscribed with `stream`.
  void subscribed() {
    status[fw] = framework_status::subscribed;
    streams[fw] = stream;
  }
};

// A request owning its bytes.
struct request {
  std::string method = "POST";
  std::string target = "/api/v1/scheduler";
  std::optional<std::string> content_type;
  std::optional<std::string> accept;
  std::optional<std::string> stream_id;
  std::optional<std::string> authorization;
  std::string body;

  sim::http_request_view view() const {
    sim::http_request_view v;
    v.method = method;
    v.target = target;
    if (content_type) v.content_type = *content_type;
    if (accept) v.accept = *accept;
    if (stream_id) v.stream_id = *stream_id;
    if (authorization) v.authorization = *authorization;
    v.body = body;
    return v;
  }
};

inline std::string encode(content_type type, const sched::Call& call) {
  std::string out;
  mesos_http::diagnostics diag;
  const auto ec = codec(type).encode(call, out, diag);
  REQUIRE_FALSE(ec);
  return out;
}

// A request carrying `call` in `type`, with the stream id.
inline request call_request(content_type type, const sched::Call& call) {
  request r;
  r.content_type = std::string(mesos_http::media_type(type));
  r.accept = r.content_type;
  r.body = encode(type, call);
  if (call.type() != sched::Call::SUBSCRIBE) r.stream_id = stream;
  return r;
}

inline sched::Call subscribe_call() {
  sched::Call call;
  call.set_type(sched::Call::SUBSCRIBE);
  auto* info = call.mutable_subscribe()->mutable_framework_info();
  info->set_user("root");
  info->set_name("test-fw");
  return call;
}

inline sched::Call reconcile_call() {
  sched::Call call;
  call.set_type(sched::Call::RECONCILE);
  call.mutable_framework_id()->set_value(fw);
  call.mutable_reconcile();
  return call;
}

inline sim::scheduler_request check(const request& r, const fake_master& m) {
  return sim::check_scheduler_request(r.view(), m.view);
}

// The answer's status, or 0 when the checks let the call through.
inline unsigned status_of(const sim::scheduler_request& out) {
  return out.answer ? out.answer->status : 0;
}

inline std::string body_of(const sim::scheduler_request& out) {
  return out.answer ? out.answer->body : std::string("<no answer>");
}

inline std::optional<std::string> header_of(const sim::scheduler_request& out,
                                            std::string_view name) {
  if (!out.answer) return std::nullopt;
  for (const auto& [n, v] : out.answer->headers) {
    if (n == name) return v;
  }
  return std::nullopt;
}

inline std::string basic(std::string_view credentials) {
  std::string out = "Basic ";
  mesos_http::detail::base64_append(out, credentials);
  return out;
}

// 16 bytes with version nibble 4, as Mesos's random UUIDs.
inline std::string uuid_v4() {
  std::string u(16, '\x11');
  u[6] = '\x4a';
  return u;
}

}  // namespace mesos_http::test::endpoint

#endif  // MESOS_HTTP_TEST_SIM_ENDPOINT_TEST_SUPPORT_HPP
