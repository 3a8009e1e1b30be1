// mesos-http simulator: the HTTP listener of one simulated Mesos agent, the
// server side of the executor API (/api/v1/executor).
//
// An `agent_server` accepts connections on one TCP port and answers
// requests to `/api/v1/executor` and `/slave(1)/api/v1/executor` (any other
// path gets 404). Every request goes through
// `sim::check_executor_request` (<mesos_http/sim/executor_endpoint.hpp>)
// with a view of the executors this server was told about
// (`expect_executor`); the outcome decides what happens:
//
//   - an error, HEARTBEAT, UNKNOWN: the checks' answer is sent as it is;
//   - SUBSCRIBE: the connection becomes the executor's event stream
//     (200, chunked, in the content type SUBSCRIBE negotiated), the
//     executor counts as subscribed from then on, and `on_subscribe` is
//     called; events go out through `send()`. A newer SUBSCRIBE of the same
//     executor closes the older stream;
//   - UPDATE: 202, then `on_update` gets the TaskStatus;
//   - MESSAGE: 202, then `on_message` gets the data.
//
// The server sends no event on its own (not even SUBSCRIBED or
// ACKNOWLEDGED): what the agent says to its executors is up to the owner,
// through `send()` and the builders of <mesos_http/sim/executor_events.hpp>.
//
// Threading: the server runs on the executor it is given, inside its own
// strand. Every public member function may be called from any thread. The
// handlers are called on the strand, one at a time, with no lock held: they
// may call back into the server.
//
// Lifetime: `stop()` (or destruction) closes the listener and every
// connection; the executor's `run()` returns once nothing else is pending.
// Destroy servers before their executor's execution context.
#ifndef MESOS_HTTP_SIM_AGENT_SERVER_HPP
#define MESOS_HTTP_SIM_AGENT_SERVER_HPP

#include <mesos_http/sim/executor_endpoint.hpp>

#include <mesos/v1/executor/executor.pb.h>
#include <mesos/v1/mesos.pb.h>

#include <boost/asio/any_io_executor.hpp>
#include <boost/system/error_code.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace mesos_http::sim {

/// Called with the framework id, the executor id and the status of an
/// accepted UPDATE call (after its 202 was queued).
using agent_update_handler =
    std::function<void(const std::string& framework_id, const std::string& executor_id,
                       const mesos::v1::TaskStatus& status)>;

/// Called with the framework id, the executor id and the data of an
/// accepted MESSAGE call (after its 202 was queued).
using agent_message_handler = std::function<void(
    const std::string& framework_id, const std::string& executor_id, const std::string& data)>;

/// Called when a SUBSCRIBE was accepted and its stream opened, with the
/// whole call: `call.subscribe()` lists the executor's unacknowledged
/// tasks and updates. Events sent from within the handler follow the
/// stream's header, so this is the place to send SUBSCRIBED.
using agent_subscribe_handler =
    std::function<void(const std::string& framework_id, const std::string& executor_id,
                       const mesos::v1::executor::Call& call)>;

/// How an agent server listens and what it does with accepted calls.
struct agent_server_config {
  /// Address to listen on.
  std::string address = "127.0.0.1";
  /// Port to listen on; 0 picks a free one (see `agent_server::port()`).
  unsigned short port = 0;
  /// Largest request body accepted (larger: 413, then the connection
  /// closes).
  std::size_t max_body_size = 16 * 1024 * 1024;
  /// Executor authentication: the HS256 secret of executor tokens (see
  /// `make_executor_token`). Unset: none.
  std::optional<std::string> jwt_secret;
  /// Each may be empty (the call is then answered and dropped).
  agent_update_handler on_update;
  agent_message_handler on_message;
  agent_subscribe_handler on_subscribe;
};

/// One simulated agent's executor API listener. Not copyable or movable.
class agent_server {
 public:
  /// Creates the server on `executor`; it does not listen until `start()`.
  agent_server(boost::asio::any_io_executor executor, agent_server_config config);
  /// Stops the server (see `stop()`).
  ~agent_server();
  agent_server(const agent_server&) = delete;
  agent_server& operator=(const agent_server&) = delete;

  /// Binds and listens; the error of the first step that fails (bad
  /// address, port in use), with nothing left open.
  boost::system::error_code start();

  /// The port listened on (the chosen one when the config said 0); 0
  /// before `start()`.
  unsigned short port() const;

  /// Makes the executor known, as launched but not subscribed
  /// (`executor_status::registering`): it may SUBSCRIBE, and the checks
  /// refuse its other calls until it did. Makes the framework known too.
  /// Again for a known executor: back to registering with this container.
  void expect_executor(const std::string& framework_id, const std::string& executor_id,
                       const std::string& container_id);

  /// Sets a known executor's status (e.g. `terminating`); false when the
  /// executor is not known.
  bool set_executor_status(const std::string& framework_id, const std::string& executor_id,
                           executor_status status);

  /// The executor's status, or nullopt when it is not known.
  std::optional<executor_status> executor_state(const std::string& framework_id,
                                                const std::string& executor_id) const;

  /// Forgets the executor (its later calls get 400 "Executor cannot be
  /// found") and closes its stream. The framework stays known.
  void forget_executor(const std::string& framework_id, const std::string& executor_id);

  /// Sets the recovery flags the checks look at (`agent_view`):
  /// `reconnect_ready` false answers everything with 503; `recovering`
  /// true answers all but SUBSCRIBE and HEARTBEAT with 503.
  void set_recovery(bool reconnect_ready, bool recovering);

  /// Queues `event` on the executor's open stream, encoded in the stream's
  /// content type as one chunk. False when the executor has no open stream
  /// or the event cannot be encoded (missing required fields); the bytes
  /// are written in the order of the calls that returned true.
  bool send(const std::string& framework_id, const std::string& executor_id,
            const mesos::v1::executor::Event& event);

  /// Whether the executor has an open stream now.
  bool streaming(const std::string& framework_id, const std::string& executor_id) const;

  /// Ends the executor's stream: writes what was queued, then the
  /// terminating chunk, then closes the connection (the executor sees the
  /// stream end, as when an agent restarts). The executor stays known and
  /// subscribed. False when it had no open stream.
  bool close_stream(const std::string& framework_id, const std::string& executor_id);

  /// `close_stream` for every open stream (an agent restart); how many
  /// there were.
  std::size_t close_streams();

  /// Closes the listener and every connection at once. Idempotent.
  void stop();

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace mesos_http::sim

#endif  // MESOS_HTTP_SIM_AGENT_SERVER_HPP
