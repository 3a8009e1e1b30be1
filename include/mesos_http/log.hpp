// mesos-http: logging.
//
// The library never writes to stdout/stderr on its own account except through
// a `logger`. A logger has a level (messages above it are dropped before they
// are formatted) and a sink (a function that receives each message). The
// default logger writes to stderr at level `warning`, or whatever the
// `MESOS_HTTP_LOG` environment variable says:
//
//     MESOS_HTTP_LOG=debug              level by name: off|error|warning|info|debug
//     MESOS_HTTP_LOG=3                  level by number: 0 (off) .. 4 (debug)
//     MESOS_HTTP_LOG=debug=/var/tmp/x   also append every message to
//                                       /var/tmp/x/mesos-http.<pid>.log
//
// (in the spirit of the Perl binding's PERL_MESOS_TRACE).
//
// Credentials are never logged: before a message reaches any sink, the
// logger replaces the value of `Authorization:` / `Proxy-Authorization:`
// headers and of `Basic ...` / `Bearer ...` credentials with "<redacted>".
//
// Thread safety: `log()` and the level accessors may be called from any
// thread at once. The sink is called with an internal mutex held, so sinks
// need no locking of their own but must not log through the same logger.
#ifndef MESOS_HTTP_LOG_HPP
#define MESOS_HTTP_LOG_HPP

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace mesos_http {

/// Severity of a log message; a logger passes messages at or below its level.
enum class log_level {
  off = 0,      ///< nothing is logged
  error = 1,    ///< failures the application should know about
  warning = 2,  ///< recoverable trouble (reconnects, insecure settings)
  info = 3,     ///< lifecycle: subscribed, failed over, ...
  debug = 4,    ///< every request, response and event
};

/// "error", "warning", ... for `level`.
std::string_view to_string(log_level level) noexcept;

/// Parses a level name (`off`, `error`, `warning`/`warn`, `info`, `debug`,
/// any case) or number (`0`..`4`).
std::optional<log_level> parse_log_level(std::string_view text) noexcept;

/// Receives each message that passes the level, already redacted.
using log_sink = std::function<void(log_level level, std::string_view message)>;

/// What `MESOS_HTTP_LOG` (or another value in its syntax) asks for.
struct log_settings {
  log_level level = log_level::warning;  ///< level to log at
  std::string directory;                 ///< also write a file here if set
};

/// Parses a value in `MESOS_HTTP_LOG` syntax (`LEVEL` or `LEVEL=DIR`).
/// Returns `std::nullopt` if the level part is not a level.
std::optional<log_settings> parse_log_settings(std::string_view text);

/// Replaces credentials in `text` with "<redacted>": the rest of the line
/// after `Authorization:` or `Proxy-Authorization:` (any case), and the
/// token after `Basic ` or `Bearer `.
std::string redact_credentials(std::string_view text);

/// A level plus a sink; see the file comment.
class logger {
 public:
  /// A logger at `level` writing to `sink` (a null sink drops everything).
  logger(log_level level, log_sink sink);

  /// A logger configured from `MESOS_HTTP_LOG`, writing to stderr (and to
  /// a file when the variable names a directory). An unparsable value is
  /// reported once on stderr and the default level, `warning`, is used.
  static std::shared_ptr<logger> from_environment();

  /// A sink writing "mesos-http <level>: <message>" lines to stderr.
  static log_sink stderr_sink();

  /// A sink appending lines to `path`; falls back to nothing if the file
  /// cannot be opened.
  static log_sink file_sink(const std::string& path);

  /// Combines two sinks.
  static log_sink tee(log_sink a, log_sink b);

  /// True when messages at `level` would be passed to the sink. Cheap; use it
  /// to avoid formatting messages that would be dropped.
  bool enabled(log_level level) const noexcept {
    return level != log_level::off &&
           static_cast<int>(level) <= level_.load(std::memory_order_relaxed);
  }

  /// Changes the level.
  void set_level(log_level level) noexcept {
    level_.store(static_cast<int>(level), std::memory_order_relaxed);
  }

  /// The current level.
  log_level level() const noexcept {
    return static_cast<log_level>(level_.load(std::memory_order_relaxed));
  }

  /// Redacts `message` and passes it to the sink if `level` is enabled.
  void log(log_level level, std::string_view message) const;

 private:
  std::atomic<int> level_;
  log_sink sink_;
  mutable std::mutex mutex_;
};

/// The process-wide default logger (`logger::from_environment()`, created on
/// first use). Components use it unless their config names another.
const std::shared_ptr<logger>& default_logger();

}  // namespace mesos_http

#endif  // MESOS_HTTP_LOG_HPP
