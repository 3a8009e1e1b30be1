// mesos-http simulator: the checks a Mesos master applies to a request on
// /api/v1/scheduler, in Mesos's order, with Mesos's status codes and texts.
//
// Pure functions, no I/O: the server hands in the parsed HTTP request and a
// view of the master's state; the result is either the complete answer to
// send (an error, a redirect, ...) or a validated Call for the cluster. The
// order of the checks matters — the first failing check decides the answer —
// and follows ../shared/protocol.md section a.4 and the recordings of a real
// Mesos 1.11.1 master in ../shared/traces.
//
// Thread safety: stateless.
#ifndef MESOS_HTTP_SIM_SCHEDULER_ENDPOINT_HPP
#define MESOS_HTTP_SIM_SCHEDULER_ENDPOINT_HPP

#include <mesos_http/content_type.hpp>
#include <mesos_http/sim/cluster.hpp>

#include <mesos/v1/scheduler/scheduler.pb.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mesos_http::sim {

/// The parts of an HTTP request the master looks at.
struct http_request_view {
  std::string_view method;  ///< "POST", "GET", ...
  std::string_view target;  ///< request target, e.g. "/api/v1/scheduler"
  /// Header values by name; nullopt when the header is absent.
  std::optional<std::string_view> content_type;
  std::optional<std::string_view> accept;
  std::optional<std::string_view> stream_id;      ///< Mesos-Stream-Id
  std::optional<std::string_view> authorization;  ///< Authorization
  std::string_view body;
};

/// A complete, non-streaming HTTP answer.
struct http_answer {
  unsigned status = 200;
  /// Extra headers (Location, Allow, WWW-Authenticate, Content-Type...).
  /// A non-empty body without a Content-Type header is sent as
  /// "text/plain; charset=utf-8", as Mesos does.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

/// What the master's checks need to know about the master itself.
struct master_view {
  /// This master is the elected leader.
  bool leading = true;
  /// When not leading: the leader's "host:port" (answers 307 with
  /// `Location: //<leader><path>`), or nullopt (503 "No leader elected").
  std::optional<std::string> leader;
  /// The leader has finished recovering its registry (else 503).
  bool recovered = true;
  /// HTTP framework authentication: principal -> secret. Empty = off.
  std::map<std::string, std::string> credentials;
  /// Status of a framework id (see `cluster::status`).
  std::function<framework_status(const std::string& framework_id)> framework;
  /// The Mesos-Stream-Id of the framework's open subscription, if any.
  std::function<std::optional<std::string>(const std::string& framework_id)> stream_id;
  /// The framework's `FrameworkInfo.principal` ("" if none), for Mesos's
  /// check that a non-SUBSCRIBE call's authenticated principal is the
  /// framework's (400 otherwise). Unset: that check is skipped.
  std::function<std::string(const std::string& framework_id)> framework_principal;
};

/// The outcome of checking one request.
struct scheduler_request {
  /// Set when the master answers right away (any error, a redirect, the
  /// 501 for type UNKNOWN). When unset, `call` is valid and the caller
  /// handles it: SUBSCRIBE -> 200 stream in `response_type`; UPDATE_FRAMEWORK
  /// -> 200 (or 400 if the cluster refuses it); everything else -> 202.
  std::optional<http_answer> answer;
  /// The decoded call (also filled, as far as it parsed, on errors).
  mesos::v1::scheduler::Call call;
  /// Encoding of the request body.
  content_type request_type = content_type::json;
  /// Encoding the master answers in (negotiated from Accept; JSON first,
  /// as Mesos prefers it).
  content_type response_type = content_type::json;
  /// The authenticated principal, when authentication is on.
  std::optional<std::string> principal;
};

/// Runs the master's checks on a request to /api/v1/scheduler (or
/// /master/api/v1/scheduler).
scheduler_request check_scheduler_request(const http_request_view& request,
                                          const master_view& master);

/// The media type the master picks for an `Accept` header value on
/// SUBSCRIBE (JSON preferred; absent header = JSON), or nullopt for 406.
std::optional<content_type> negotiate_accept(std::optional<std::string_view> accept);

}  // namespace mesos_http::sim

#endif  // MESOS_HTTP_SIM_SCHEDULER_ENDPOINT_HPP
