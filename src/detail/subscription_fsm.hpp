// The scheduler's subscription loop as a state machine without I/O.
//
// The I/O driver (src/io/subscription_driver) connects, writes, reads and
// arms one timer; this machine decides everything else: which master to try
// and when, what SUBSCRIBE request to send, what an HTTP answer means
// (stream, redirect, retry elsewhere after a backoff, or give up), how body
// bytes become events, and when silence means the stream is dead. Time is an
// input, so heartbeat loss, backoff and redirect chains are unit-tested
// without sockets or sleeps (test/unit/subscription_fsm_test.cpp).
//
// Every method returns a `decision`: what the driver does next, and the
// deadline by which it must call `on_timer` if nothing else happens first.
#ifndef MESOS_HTTP_DETAIL_SUBSCRIPTION_FSM_HPP
#define MESOS_HTTP_DETAIL_SUBSCRIPTION_FSM_HPP

#include <mesos_http/backoff.hpp>
#include <mesos_http/codec.hpp>
#include <mesos_http/diagnostics.hpp>
#include <mesos_http/error.hpp>
#include <mesos_http/recordio.hpp>
#include <mesos_http/redirect_chain.hpp>
#include <mesos_http/url.hpp>

#include <mesos/v1/scheduler/scheduler.pb.h>

#include <chrono>
#include <cstdint>
#include <string_view>
#include <deque>
#include <optional>
#include <string>
#include <vector>

namespace mesos_http::detail {

using steady_clock = std::chrono::steady_clock;

/// What the subscription needs to know, fixed for its lifetime.
struct subscription_settings {
  std::vector<url> masters;  ///< scheduler endpoints, tried in order
  content_type content = content_type::protobuf;
  mesos::v1::FrameworkInfo framework;  ///< `id` is managed by the machine
  std::string authorization;           ///< Authorization header value or ""
  std::string user_agent = "mesos-http";
  unsigned max_redirects = 5;
  backoff_config backoff;
  std::uint64_t backoff_seed = 0;
  /// Silence bound: misses × heartbeat interval + slack.
  double heartbeat_misses = 5;
  std::chrono::milliseconds heartbeat_slack{1000};
  bool heartbeat_watchdog = true;
  /// From starting a connection until SUBSCRIBED arrives.
  std::chrono::milliseconds subscribe_timeout{30000};
  std::size_t max_record_size = recordio_decoder::default_max_record_size;
  /// 401 is retried (after the driver refreshed credentials) instead of
  /// being fatal.
  bool retry_unauthorized = false;
};

/// Something the application must hear about, in order.
struct subscription_notice {
  enum class kind {
    connected,     ///< a master accepted SUBSCRIBE (200, stream open)
    event,         ///< `event` holds a decoded event
    disconnected,  ///< an open stream ended; `ec`/`diag` say why
  };
  kind what = kind::event;
  mesos::v1::scheduler::Event event;
  boost::system::error_code ec;
  diagnostics diag;
};

/// The driver's next step.
enum class step {
  connect,  ///< close any connection, connect to `target()`, send `request()`
  stream,   ///< keep reading the response body
  wait,     ///< close any connection; call `on_timer` at the deadline
  stop,     ///< finished: `final_error()` says why
};

struct decision {
  step next = step::wait;
  /// When to call `on_timer` unless something else happens first;
  /// `time_point::max()` for never.
  steady_clock::time_point deadline = steady_clock::time_point::max();
};

/// Answer to a request, as far as the machine cares.
struct http_response_head {
  unsigned status = 0;
  std::string content_type;
  std::string stream_id;  ///< Mesos-Stream-Id
  std::string location;   ///< Location
  std::string body;       ///< body of a non-200 answer (may be cut)
};

/// The error for an HTTP status Mesos answered (any request).
error error_for_status(unsigned status);

/// Whether a Mesos answer's Content-Type is the media type asked for
/// (parameters and case tolerated: a proxy may add a charset).
bool same_media_type(std::string_view got, content_type wanted);

/// 503 (no leader, recovering), 404 (the process not up yet) and other 5xx
/// may pass; any other status means the request or the configuration is
/// wrong and retrying would only loop. For master and agent alike.
bool transient_status(unsigned status);

class subscription_fsm {
 public:
  explicit subscription_fsm(subscription_settings settings);

  /// Sets the framework id to resubscribe with (framework failover).
  void set_framework_id(const mesos::v1::FrameworkID& id);
  void set_authorization(std::string value);

  decision start(steady_clock::time_point now);
  /// The connection to `target()` failed (resolve, connect, TLS, write, or
  /// reading the answer's head).
  decision on_connect_failed(const boost::system::error_code& ec, const std::string& detail,
                             steady_clock::time_point now);
  decision on_response(const http_response_head& head, steady_clock::time_point now);
  decision on_body(std::string_view bytes, steady_clock::time_point now);
  /// The stream ended: EOF (`ec` empty), terminal chunk, or a read error.
  decision on_stream_end(const boost::system::error_code& ec, steady_clock::time_point now);
  decision on_timer(steady_clock::time_point now);
  /// Drops the current stream and starts over after a backoff (used when
  /// the call connection learns the subscription is gone, e.g. 403).
  decision reconnect(const boost::system::error_code& reason, const std::string& detail,
                     steady_clock::time_point now);
  /// Ends for good with `error::stopped` and `why` as the diagnostics.
  decision stop(steady_clock::time_point now, std::string why = "stopped by the application");

  /// Notices produced since the last call, oldest first (copies; for tests).
  std::deque<subscription_notice> take_notices();

  /// Calls `f(subscription_notice&)` for each notice produced since the
  /// last drain, oldest first, then forgets them. The slots are reused by
  /// later notices, so `f` must not keep references, and must not call
  /// into the machine.
  template <class F>
  void drain_notices(F&& f) {
    for (std::size_t i = 0; i < notice_count_; ++i) f(notices_[i]);
    notice_count_ = 0;
  }

  const url& target() const noexcept { return target_; }
  /// The HTTP/1.1 SUBSCRIBE request for `target()`.
  std::string request() const;

  bool subscribed() const noexcept { return state_ == state::subscribed; }
  bool stopped() const noexcept { return state_ == state::stopped; }
  /// Stream id of the current subscription ("" when not subscribed).
  const std::string& stream_id() const noexcept { return stream_id_; }
  const std::optional<mesos::v1::FrameworkID>& framework_id() const noexcept {
    return framework_id_;
  }
  /// Counts connection attempts; I/O completions carry the value current
  /// when they started and are ignored when it has moved on.
  std::uint64_t generation() const noexcept { return generation_; }
  /// Heartbeat interval announced by SUBSCRIBED (0 when none).
  double heartbeat_interval() const noexcept { return heartbeat_interval_; }
  /// Time of the last byte received on the stream.
  steady_clock::time_point last_activity() const noexcept { return last_byte_; }
  const boost::system::error_code& final_error() const noexcept { return final_ec_; }
  const diagnostics& final_diagnostics() const noexcept { return final_diag_; }
  /// Redirects followed, reconnects scheduled (for metrics).
  std::uint64_t redirects() const noexcept { return redirects_; }
  std::uint64_t reconnects() const noexcept { return reconnects_; }
  /// True after a 401 when the driver should refresh credentials before the
  /// next attempt; cleared by `set_authorization`.
  bool credentials_stale() const noexcept { return credentials_stale_; }
  /// True when the last failure ended an open event stream (rather than an
  /// attempt that never got one).
  bool last_failure_ended_stream() const noexcept { return ended_stream_; }

 private:
  enum class state { idle, connecting, awaiting_subscribed, subscribed, waiting, stopped };

  decision begin_attempt(steady_clock::time_point now);
  decision retry_later(const boost::system::error_code& ec, std::string detail, bool rotate,
                       steady_clock::time_point now);
  decision finish(const boost::system::error_code& ec, std::string detail,
                  const http_response_head* head, steady_clock::time_point now);
  decision on_ok(const http_response_head& head, steady_clock::time_point now);
  decision on_redirect(const http_response_head& head, steady_clock::time_point now);
  decision on_record(std::string_view record, steady_clock::time_point now);
  decision streaming(steady_clock::time_point now) const;
  void note_disconnected(const boost::system::error_code& ec, const std::string& detail);
  steady_clock::time_point silence_deadline() const;

  subscription_settings settings_;
  codec codec_;
  backoff backoff_;
  redirect_chain redirects_chain_;
  recordio_decoder decoder_;
  state state_ = state::idle;
  std::size_t master_index_ = 0;
  url target_;
  // The leader a dropped subscription was on: tried again first, since the
  // configured master would only redirect there once more.
  std::optional<url> resume_target_;
  std::string stream_id_;
  std::optional<mesos::v1::FrameworkID> framework_id_;
  double heartbeat_interval_ = 0;
  steady_clock::time_point attempt_started_{};
  steady_clock::time_point last_byte_{};
  steady_clock::time_point wake_at_{};
  std::uint64_t generation_ = 0;
  std::uint64_t redirects_ = 0;
  std::uint64_t reconnects_ = 0;
  bool stream_open_ = false;
  bool ended_stream_ = false;
  bool credentials_stale_ = false;
  subscription_notice& add_notice(subscription_notice::kind what);

  std::vector<subscription_notice> notices_;  // slots, reused
  std::size_t notice_count_ = 0;
  boost::system::error_code final_ec_;
  diagnostics final_diag_;
};

}  // namespace mesos_http::detail

#endif  // MESOS_HTTP_DETAIL_SUBSCRIPTION_FSM_HPP
