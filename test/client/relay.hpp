// A loopback relay for the security tests: it listens on 127.0.0.1 (a free
// port), optionally terminates TLS with a given certificate, and forwards
// bytes both ways to a plain upstream port (the simulated master). With an
// `admit` policy it also parses each HTTP request on its way up, records it,
// and refuses those whose Authorization the policy rejects: while nothing
// was forwarded on a connection a refused request is answered 401 and the
// connection kept (as libprocess does); after that a refusal closes the
// connection (a 401 cannot be put in order among pipelined answers). It
// counts every TCP connection and TLS handshake, so a test can see how often
// a client tried. Own io_context and thread; every accessor is thread-safe.
#ifndef MESOS_HTTP_TEST_CLIENT_RELAY_HPP
#define MESOS_HTTP_TEST_CLIENT_RELAY_HPP

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace mesos_http::test {

struct relay_options {
  /// Port on 127.0.0.1 to forward to (plain TCP).
  unsigned short upstream_port = 0;
  /// PEM certificate chain and key; TLS is terminated when both are set.
  std::string certificate_file;
  std::string private_key_file;
  /// Decides from the Authorization value ("" when absent) whether a request
  /// goes on; when empty, bytes are forwarded without being parsed.
  std::function<bool(const std::string& authorization)> admit;
};

/// One HTTP request seen by a relay with an `admit` policy.
struct relay_request {
  std::string request_line;
  std::map<std::string, std::string> headers;  ///< names lower-cased
  bool admitted = false;
  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
  /// Only SUBSCRIBE carries `Accept` (see src/detail/http_request.hpp).
  bool is_subscribe() const { return headers.count("accept") > 0; }
};

class relay {
 public:
  using clock = std::chrono::steady_clock;

  explicit relay(relay_options options);
  ~relay();
  relay(const relay&) = delete;
  relay& operator=(const relay&) = delete;

  unsigned short port() const { return port_; }

  /// When each TCP connection was accepted, in order.
  std::vector<clock::time_point> connection_times() const;
  std::size_t connections() const;
  std::size_t handshakes_ok() const;
  /// Server-side errors of failed TLS handshakes, in order.
  std::vector<std::string> handshake_errors() const;
  /// The SNI host name of each successful handshake ("" when none was sent).
  std::vector<std::string> server_names() const;
  /// Requests parsed (with an `admit` policy only), in order.
  std::vector<relay_request> requests() const;

  /// Waits (bounded) until `pred(view)` holds; `pred` runs under the
  /// relay's lock and reads the counters through the view only.
  struct view {
    const std::vector<clock::time_point>& accepted;
    std::size_t handshakes_ok;
    const std::vector<std::string>& handshake_errors;
    const std::vector<relay_request>& requests;
  };
  bool wait(const std::function<bool(const view&)>& pred, std::chrono::milliseconds bound);

  struct state;  // shared with the connections

 private:
  std::shared_ptr<state> state_;
  struct engine;
  std::unique_ptr<engine> engine_;
  unsigned short port_ = 0;
};

}  // namespace mesos_http::test

#endif  // MESOS_HTTP_TEST_CLIENT_RELAY_HPP
