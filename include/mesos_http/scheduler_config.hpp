// mesos-http: what a scheduler connection is configured with.
//
// A plain value: build one, adjust fields, pass it to `mesos_http::scheduler`.
// Defaults follow what a careful framework wants in production (protobuf,
// heartbeat watchdog on, TLS verification on, explicit acknowledgements).
#ifndef MESOS_HTTP_SCHEDULER_CONFIG_HPP
#define MESOS_HTTP_SCHEDULER_CONFIG_HPP

#include <mesos_http/backoff.hpp>
#include <mesos_http/content_type.hpp>
#include <mesos_http/log.hpp>
#include <mesos_http/recordio.hpp>

#include <mesos/v1/mesos.pb.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mesos_http {

/// TLS settings for `https://` masters.
struct tls_settings {
  /// Verify the master's certificate chain and that it names the host in the
  /// URL. Turning this off is logged as a warning when `async_run` starts.
  bool verify_peer = true;
  /// PEM file of trusted CAs; empty means the system's default paths.
  std::string ca_file;
  /// Directory of hashed CA certificates (`c_rehash` layout); optional.
  std::string ca_dir;
  /// Client certificate and key (PEM) for masters that ask for one.
  std::string certificate_file;
  std::string private_key_file;
};

/// Credentials sent in the `Authorization` header of every request.
struct credentials {
  /// HTTP basic authentication: `principal:secret` (Mesos's default
  /// authenticator, `--authenticate_http_frameworks`).
  std::string principal;
  std::string secret;
  /// A bearer token (custom authenticators); used instead of basic when set.
  std::string bearer_token;
  /// Called (on the connection's strand) after a 401 to obtain a new bearer
  /// token. A 401 to SUBSCRIBE is then retried with the new token instead of
  /// stopping with `error::unauthorized`; a call answered 401 still fails
  /// with `unauthorized`, and later calls carry the new token. Must not block
  /// or throw.
  std::function<std::string()> refresh_token;
};

/// Configuration of a `mesos_http::scheduler`.
struct scheduler_config {
  /// Masters to try, in order: `http://host:5050`, `https://m:5050`, or a
  /// URL with a path prefix behind a proxy. The scheduler endpoint
  /// (`/api/v1/scheduler`) is appended unless the path already ends with it.
  std::vector<std::string> masters;

  /// The framework. `user` and `name` are required by Mesos. Set `id` to
  /// re-attach to a framework that exists (failover); otherwise the id from
  /// SUBSCRIBED is kept and reused on every resubscription.
  mesos::v1::FrameworkInfo framework;

  /// Encoding of calls and events.
  content_type content = content_type::protobuf;

  /// Heartbeat watchdog: the stream is declared dead when no byte arrived
  /// for `heartbeat_misses × heartbeat_interval_seconds + heartbeat_slack`
  /// (75 s + slack against a stock master).
  bool heartbeat_watchdog = true;
  double heartbeat_misses = 5;
  std::chrono::milliseconds heartbeat_slack{1000};

  /// From opening a connection until SUBSCRIBED arrives.
  std::chrono::milliseconds subscribe_timeout{30000};
  /// From writing a call until its answer arrives.
  std::chrono::milliseconds call_timeout{75000};

  /// Delay between attempts (exponential, full jitter, with a floor).
  backoff_config backoff{std::chrono::milliseconds(500), std::chrono::milliseconds(15000),
                         std::chrono::milliseconds(50), 2.0, std::chrono::milliseconds(60000)};

  /// Redirects followed per request before giving up on that master.
  unsigned max_redirects = 5;

  /// Largest event accepted; a larger record is a stream error.
  std::size_t max_record_size = recordio_decoder::default_max_record_size;

  /// Acknowledge an UPDATE that carries a uuid as soon as the `update`
  /// callback returns. Off by default: acknowledge once the update is
  /// durably handled (`calls::acknowledge`).
  bool auto_acknowledge = false;

  std::optional<credentials> auth;
  tls_settings tls;

  /// Where diagnostics go; `default_logger()` when null.
  std::shared_ptr<logger> log;
};

}  // namespace mesos_http

#endif  // MESOS_HTTP_SCHEDULER_CONFIG_HPP
