// mesos-http: reconnection backoff.
//
// After a failed attempt (refused connection, 503 "No leader elected", a
// subscription stream that ended) a client waits before trying again. The
// wait grows exponentially with the number of consecutive failures and is
// drawn at random below that bound ("full jitter"), so that many frameworks
// that lost the same master do not come back in lockstep:
//
//     cap(n)  = min(max, initial * multiplier^n)      n = failures so far
//     delay   = uniform integer milliseconds in [floor, cap(n)]
//
// With the defaults the caps are 0.5 s, 1 s, 2 s, 4 s, 8 s, 16 s, then 30 s
// forever. The floor keeps every delay at least 50 ms, so a master answering
// 503 at once can never turn the client into a tight loop.
//
// The failure count goes back to zero by `reset()`, or by `disconnected()`
// when the connection that ended had lived at least `stable_after` since
// `connected()`. A connection that is accepted and then dropped at once (a
// crash-looping master, a proxy) therefore keeps the backoff growing.
//
// This is a pure algorithm: it does no I/O, starts no timer and reads no
// clock. The caller passes the current time to `connected()` and
// `disconnected()` and waits for the returned delay itself. Given the same
// configuration, seed and calls, it returns the same delays on every platform
// (the random generator and the distribution are part of this library, not
// of the standard library).
//
// Thread safety: a `backoff` is a plain value; use one from one thread at a
// time.
#ifndef MESOS_HTTP_BACKOFF_HPP
#define MESOS_HTTP_BACKOFF_HPP

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>

namespace mesos_http {

/// The parameters of a `backoff`.
///
/// Out-of-range values are corrected by the `backoff` constructor (see
/// `backoff::config()` for the values in effect), never rejected:
///  * a negative duration is 0;
///  * `floor` above `max` is `max`;
///  * `initial` above `max` is `max`, below `floor` is `floor`;
///  * `multiplier` below 1 (or NaN) is 1, i.e. constant caps.
struct backoff_config {
  /// The cap of the first delay.
  std::chrono::milliseconds initial{500};
  /// No cap, hence no delay, exceeds this.
  std::chrono::milliseconds max{30000};
  /// No delay is shorter than this.
  std::chrono::milliseconds floor{50};
  /// The factor by which the cap grows after each failure.
  double multiplier = 2.0;
  /// A connection that lived at least this long resets the backoff when it
  /// ends.
  std::chrono::milliseconds stable_after{60000};
};

/// Exponential backoff with full jitter and a floor, deterministic under a
/// seed.
///
/// Typical use by a reconnecting client:
///
///     mesos_http::backoff delays(cfg);
///     for (;;) {
///       wait(delays.next());                 // before every attempt
///       if (!connect_and_subscribe()) continue;
///       delays.connected(clock::now());
///       run_until_the_stream_ends();
///       delays.disconnected(clock::now());   // resets after a stable run
///     }
class backoff {
 public:
  using clock = std::chrono::steady_clock;

  /// A backoff with no failures. `seed` fixes the sequence of random draws;
  /// pass a constant in tests.
  explicit backoff(backoff_config config = {}, std::uint64_t seed = std::random_device{}());

  /// The delay to wait before the next attempt: uniform in [floor, cap()],
  /// whole milliseconds. Then counts one more failure (the count saturates,
  /// it never wraps).
  std::chrono::milliseconds next();

  /// The upper bound of the delay the next call to `next()` returns:
  /// min(max, initial * multiplier^failures()), computed without overflow for
  /// any number of failures.
  std::chrono::milliseconds cap() const;

  /// Forgets all failures; the next delay is capped by `initial` again.
  void reset() noexcept;

  /// A connection or subscription succeeded at `now`. Does not reset the
  /// failures by itself (see `disconnected`).
  void connected(clock::time_point now) noexcept;

  /// The connection ended at `now`. Resets the failures if it lived at least
  /// `stable_after` since the last `connected()`; otherwise (or if there was
  /// no `connected()` since the last `disconnected()`) changes nothing.
  void disconnected(clock::time_point now) noexcept;

  /// Consecutive failures counted so far (calls to `next()` since the last
  /// reset).
  unsigned failures() const noexcept { return failures_; }

  /// The configuration in effect, after the corrections listed on
  /// `backoff_config`.
  const backoff_config& config() const noexcept { return config_; }

 private:
  std::uint64_t random() noexcept;

  backoff_config config_;
  std::uint64_t state_;  // splitmix64 state
  unsigned failures_ = 0;
  std::optional<clock::time_point> connected_at_;
};

}  // namespace mesos_http

#endif  // MESOS_HTTP_BACKOFF_HPP
