// mesos-http: what an executor connection is configured with, and how to
// read it from the environment the Mesos agent sets for its executors.
//
// An executor does not choose its agent, ids or recovery policy: the agent
// launches it with `MESOS_*` environment variables that say all of that.
// `executor_config::from_environment` reads them, checks every one, and
// fills the defaults Mesos uses when an optional one is absent:
//
//     boost::system::error_code ec;
//     mesos_http::diagnostics diag;
//     auto cfg = mesos_http::executor_config::from_environment(ec, diag);
//     if (!cfg) {  // ec == mesos_http::error::invalid_environment
//       std::cerr << diag.message() << "\n";  // names the variable and value
//       return 1;
//     }
//
// Variables read (Mesos 1.x agent, `executorEnvironment()`):
//
//  | variable                               | required | format / default            |
//  |----------------------------------------|----------|-----------------------------|
//  | `MESOS_FRAMEWORK_ID`                   | yes      | id (1-255 chars)            |
//  | `MESOS_EXECUTOR_ID`                    | yes      | id (1-255 chars)            |
//  | `MESOS_AGENT_ENDPOINT`                 | one of   | `ip:port`, `[ipv6]:port`    |
//  | `MESOS_SLAVE_PID`                      | these    | `slave(1)@ip:port`          |
//  | `MESOS_DOMAIN_SOCKET`                  | three    | path of a Unix socket       |
//  | `MESOS_SLAVE_ID`                       | no       | id                          |
//  | `MESOS_DIRECTORY`                      | no       | path                        |
//  | `MESOS_SANDBOX`                        | no       | path; else `MESOS_DIRECTORY`|
//  | `MESOS_CHECKPOINT`                     | no       | boolean; false              |
//  | `MESOS_RECOVERY_TIMEOUT`               | no       | duration; 15mins            |
//  | `MESOS_SUBSCRIPTION_BACKOFF_MAX`       | no       | duration; 2secs             |
//  | `MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD` | no       | duration; 5secs             |
//  | `MESOS_EXECUTOR_AUTHENTICATION_TOKEN`  | no       | token (printable, no spaces)|
//
// Formats, as Mesos itself parses them:
//  * an id is 1 to 255 characters, none of them '/', '\\' or a control
//    character, and not "." or "..";
//  * a boolean is exactly "1", "true", "0" or "false";
//  * a duration is a decimal number (a fraction is allowed, a sign or an
//    exponent is not) immediately followed by one of the units `ns`, `us`,
//    `ms`, `secs`, `mins`, `hrs`, `days`, `weeks`: "15mins", "2secs",
//    "1.5secs", "1days". See `parse_mesos_duration`.
//
// Every variable present is checked, including the recovery timeout and
// backoff maximum when checkpointing is off (libmesos ignores those then,
// but the agent never writes a malformed one). libmesos refuses to start
// without `MESOS_SLAVE_PID`, `MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD` and,
// when checkpointing, the recovery timeout and backoff maximum; here
// `MESOS_AGENT_ENDPOINT` (the documented variable) is enough and the
// durations default to the agent's defaults. An empty token counts as
// absent. `MESOS_HTTP_COMMAND_EXECUTOR`, `MESOS_LOCAL` and the logging and
// `LIBPROCESS_*` variables are not read.
//
// Errors never throw: every function returns an empty optional, sets `ec`
// to `error::invalid_environment` and puts one line in `diag` naming the
// variable and its value ("MESOS_RECOVERY_TIMEOUT='15minutes' is not a Mesos
// duration: unknown unit 'minutes' ..."). The token's value is never
// quoted in diagnostics.
//
// Thread safety: `executor_config` is a plain value. The functions are pure,
// except the overload without a lookup, which reads the process environment
// (`getenv`) and so must not run while another thread changes it.
#ifndef MESOS_HTTP_EXECUTOR_CONFIG_HPP
#define MESOS_HTTP_EXECUTOR_CONFIG_HPP

#include <mesos_http/content_type.hpp>
#include <mesos_http/diagnostics.hpp>
#include <mesos_http/error.hpp>
#include <mesos_http/log.hpp>
#include <mesos_http/recordio.hpp>
#include <mesos_http/scheduler_config.hpp>
#include <mesos_http/url.hpp>

#include <mesos/v1/mesos.pb.h>

#include <boost/system/error_code.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace mesos_http {

/// Configuration of a `mesos_http::executor` connection.
struct executor_config {
  /// `MESOS_FRAMEWORK_ID`: sent in every call.
  mesos::v1::FrameworkID framework_id;
  /// `MESOS_EXECUTOR_ID`: sent in every call.
  mesos::v1::ExecutorID executor_id;
  /// `MESOS_SLAVE_ID`, when set.
  std::optional<mesos::v1::AgentID> agent_id;

  /// The executor endpoint of the agent: host and port from
  /// `MESOS_AGENT_ENDPOINT` (else from `MESOS_SLAVE_PID`), target
  /// `/<pid id>/api/v1/executor` when `MESOS_SLAVE_PID` is set (what libmesos
  /// and the recorded executors use, e.g. `/slave(1)/api/v1/executor`), else
  /// `/api/v1/executor`. `tls` is false (set it for an agent with SSL).
  /// With only `MESOS_DOMAIN_SOCKET` set, `host` is empty and `port` 0.
  url agent;
  /// `MESOS_DOMAIN_SOCKET`: when not empty, connect to this Unix socket
  /// instead of `agent.host:agent.port` (same requests, same target).
  std::string domain_socket;

  /// `MESOS_DIRECTORY`: the sandbox as the agent's host sees it ("" if unset).
  std::string directory;
  /// `MESOS_SANDBOX`: the sandbox as this process sees it (differs from
  /// `directory` in a container with its own root file system); falls back
  /// to `MESOS_DIRECTORY`.
  std::string sandbox;

  /// `MESOS_CHECKPOINT`: the framework checkpoints, so the agent can restart
  /// without killing this executor. On: a lost connection is retried until
  /// `recovery_timeout`. Off: a lost connection ends the executor.
  bool checkpoint = false;
  /// `MESOS_RECOVERY_TIMEOUT` (agent `--recovery_timeout`): how long to keep
  /// retrying after the agent was lost, when checkpointing.
  std::chrono::milliseconds recovery_timeout{std::chrono::minutes(15)};
  /// `MESOS_SUBSCRIPTION_BACKOFF_MAX` (agent
  /// `--executor_reregistration_timeout`): no delay between two attempts to
  /// reach the agent is longer than this, so a restarted agent sees the
  /// executor come back in time.
  std::chrono::milliseconds subscription_backoff_max{std::chrono::seconds(2)};
  /// `MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD`: after SHUTDOWN (or losing the
  /// agent for good) the executor must have killed its tasks and exited
  /// within this; the agent then destroys the container.
  std::chrono::milliseconds shutdown_grace_period{std::chrono::seconds(5)};

  /// `MESOS_EXECUTOR_AUTHENTICATION_TOKEN`: sent as `Authorization: Bearer
  /// <token>` on every request when not empty. Never logged.
  std::string authentication_token;

  /// Not from the environment: how long a starting executor keeps trying
  /// to subscribe (the agent destroys an executor that has not subscribed
  /// within its `--executor_registration_timeout`, 1 min by default).
  std::chrono::milliseconds registration_timeout{std::chrono::minutes(1)};
  /// Not from the environment: from opening a connection until SUBSCRIBED.
  std::chrono::milliseconds subscribe_timeout{std::chrono::seconds(30)};
  /// Not from the environment: a HEARTBEAT call is sent on the call
  /// connection this often while subscribed, to keep it alive through
  /// proxies and NAT (libmesos: 30 min); zero turns it off. The agent's own
  /// HEARTBEAT events come every 30 min and are not watched: a lost agent is
  /// noticed by the connection ending.
  std::chrono::milliseconds heartbeat_interval{std::chrono::minutes(30)};

  /// Encoding of calls and events (the agent accepts both).
  content_type content = content_type::protobuf;
  /// Largest event accepted; a larger record is a stream error.
  std::size_t max_record_size = recordio_decoder::default_max_record_size;
  /// TLS settings, used when `agent.tls` is set.
  tls_settings tls;
  /// Where diagnostics go; `default_logger()` when null.
  std::shared_ptr<logger> log;

  /// Looks a variable up: its value, or `std::nullopt` when it is not set.
  using lookup = std::function<std::optional<std::string>(std::string_view name)>;

  /// Reads the configuration from the process environment (see the table
  /// above). Errors: `error::invalid_environment`.
  static std::optional<executor_config> from_environment(boost::system::error_code& ec,
                                                         diagnostics& diag);

  /// Reads the configuration through `get` (for tests, or an environment
  /// kept elsewhere). Errors: `error::invalid_environment`.
  static std::optional<executor_config> from_environment(const lookup& get,
                                                         boost::system::error_code& ec,
                                                         diagnostics& diag);

  /// Reads the configuration from `variables` (name -> value). Errors:
  /// `error::invalid_environment`.
  static std::optional<executor_config> from_environment(
      const std::map<std::string, std::string>& variables, boost::system::error_code& ec,
      diagnostics& diag);
};

/// Parses a Mesos duration ("15mins", "2secs", "1.5secs", "500ms", "1days";
/// units ns, us, ms, secs, mins, hrs, days, weeks) into nanoseconds, rounded
/// to the nearest one. Returns `std::nullopt` for anything else (no unit,
/// an unknown unit, a sign, spaces, an exponent, more than one '.', no
/// digit, a value beyond about 292 years), with the reason in `*why` when
/// `why` is not null.
std::optional<std::chrono::nanoseconds> parse_mesos_duration(std::string_view text,
                                                             std::string* why = nullptr);

/// Parses a Mesos boolean: "1" and "true" are true, "0" and "false" false,
/// anything else (including "TRUE", " 1" and "") `std::nullopt`.
std::optional<bool> parse_mesos_bool(std::string_view text) noexcept;

}  // namespace mesos_http

#endif  // MESOS_HTTP_EXECUTOR_CONFIG_HPP
