// mesos-http simulator: the checks a Mesos agent applies to a request on
// /api/v1/executor, in the agent's order, with its status codes and texts.
//
// Pure functions, no I/O, no clock of their own: the server hands in the
// parsed HTTP request and a view of what the agent knows about its
// executors; the result says what to answer and what, if anything, the
// agent does next (open an event stream, pass a status update or a message
// on towards the scheduler). The first failing check decides the answer,
// following ../shared/protocol.md section a.5 and the recordings of a real
// Mesos 1.11.1 agent in ../shared/traces (executor/):
//
//   0. executor authentication (when `agent_view::jwt_secret` is set):
//      401 with a Bearer challenge;
//   1. agent not yet able to reconnect executors: 503;
//   2. method other than POST: 405 with `Allow: POST`;
//   3. Content-Type missing (400), body not a Call (400), other media
//      type (415);
//   4. the Call is invalid: 400 "Failed to validate Executor::Call: ...";
//   5. SUBSCRIBE whose Accept allows neither media type: 406;
//   6. HEARTBEAT: 202 at once, without looking the ids up;
//   7. other calls but SUBSCRIBE while the agent recovers: 503;
//   8. framework or executor unknown: 400;
//   9. token claims not naming this framework/executor/container: 403;
//  10. calls but SUBSCRIBE from an executor that never subscribed: 403;
//  11. SUBSCRIBE: 200 event stream; UPDATE, MESSAGE: 202; UNKNOWN: 501.
//
// Error bodies are plain text; the server sends them as
// "text/plain; charset=utf-8", as the agent does.
//
// Thread safety: stateless; the `agent_view` callbacks are called on the
// calling thread.
#ifndef MESOS_HTTP_SIM_EXECUTOR_ENDPOINT_HPP
#define MESOS_HTTP_SIM_EXECUTOR_ENDPOINT_HPP

#include <mesos_http/content_type.hpp>
#include <mesos_http/sim/scheduler_endpoint.hpp>

#include <mesos/v1/executor/executor.pb.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace mesos_http::sim {

/// Where an executor stands with the agent.
enum class executor_status {
  /// Launched, not subscribed yet: only SUBSCRIBE is served (any other
  /// call gets 403 "Executor is not subscribed").
  registering,
  /// Subscribed (the stream may have closed since; the agent keeps it).
  running,
  /// Being shut down. Calls are still served; a SUBSCRIBE now gets a
  /// stream that carries SHUTDOWN (the agent's business, not the checks').
  terminating,
};

/// What the agent knows about one executor. Executors that have
/// terminated are not known (400 "Executor cannot be found").
struct executor_record {
  executor_status status = executor_status::registering;
  /// Its container id: a token's `cid` claim must name it.
  std::string container_id;
};

/// What the checks need to know about the agent.
struct agent_view {
  /// The agent has recovered far enough to reconnect executors. When
  /// false, every request (after authentication) gets 503 "Agent has not
  /// finished recovery".
  bool reconnect_ready = true;
  /// The agent is still recovering (waiting for its executors to
  /// re-subscribe): SUBSCRIBE and HEARTBEAT are served, every other call
  /// gets 503 "Agent has not finished recovery".
  bool recovering = false;
  /// Executor authentication (Mesos's `--authenticate_http_executors` with
  /// `--jwt_secret_key`): the HS256 secret of the executors' tokens (see
  /// `make_executor_token`). Unset: no authentication.
  std::optional<std::string> jwt_secret;
  /// Now, in Unix seconds, for a token's `exp` claim. Unset: the system
  /// clock.
  std::optional<std::int64_t> unix_time;
  /// Whether the agent knows the framework. Unset: it knows none.
  std::function<bool(const std::string& framework_id)> framework;
  /// The executor of a known framework, or nullopt. Unset: none known.
  std::function<std::optional<executor_record>(const std::string& framework_id,
                                               const std::string& executor_id)>
      executor;
};

/// What the server does with a checked request.
enum class executor_action {
  /// Send `answer` (an error, HEARTBEAT's 202, UNKNOWN's 501); nothing
  /// else happens.
  respond,
  /// Send the head of `answer` (200, `Transfer-Encoding: chunked`,
  /// `Content-Type` = `response_type`; no Content-Length, no
  /// Mesos-Stream-Id) and keep the connection as the executor's event
  /// stream: one RecordIO record per HTTP chunk in `response_type`
  /// (<mesos_http/sim/executor_events.hpp>), SUBSCRIBED first. A new
  /// stream of the same executor replaces (closes) the old one.
  /// `call.subscribe()` carries the executor's unacknowledged tasks and
  /// updates.
  subscribe,
  /// Send `answer` (202, empty body) and hand `call.update().status()` to
  /// the agent's status update handling (forward to the scheduler, then
  /// ACKNOWLEDGED on the executor's stream).
  update,
  /// Send `answer` (202, empty body) and pass `call.message().data()` on to
  /// the scheduler as a MESSAGE event.
  message,
};

/// The outcome of checking one request.
struct executor_request {
  executor_action action = executor_action::respond;
  /// Always set. For `subscribe`: status 200 and the stream's headers in
  /// the agent's order, empty body.
  http_answer answer;
  /// The decoded call (also filled, as far as it parsed, on errors).
  mesos::v1::executor::Call call;
  /// Encoding of the request body.
  content_type request_type = content_type::json;
  /// Encoding of the event stream (SUBSCRIBE only; negotiated from Accept,
  /// JSON first as the agent prefers it).
  content_type response_type = content_type::json;
  /// With authentication: the token's claims (`fid`, `eid`, `cid`, ...).
  std::optional<std::map<std::string, std::string>> claims;
};

/// Runs the agent's checks on a request to /api/v1/executor (or
/// /slave(1)/api/v1/executor; routing is the server's job). Never throws;
/// an exception from a view callback (or out of memory) becomes a 500.
executor_request check_executor_request(const http_request_view& request, const agent_view& agent);

/// A token the checks accept for this executor with `secret` set as
/// `agent_view::jwt_secret`: an HS256 JSON Web Token whose claims are
/// `fid` (framework id), `eid` (executor id) and `cid` (container id), as a
/// Mesos agent puts in MESOS_EXECUTOR_AUTHENTICATION_TOKEN. The executor
/// sends it as `Authorization: Bearer <token>`.
std::string make_executor_token(std::string_view secret, const std::string& framework_id,
                                const std::string& executor_id, const std::string& container_id);

}  // namespace mesos_http::sim

#endif  // MESOS_HTTP_SIM_EXECUTOR_ENDPOINT_HPP
