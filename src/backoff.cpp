#include <mesos_http/backoff.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

namespace mesos_http {

namespace {

using std::chrono::milliseconds;

backoff_config corrected(backoff_config c) {
  const milliseconds zero{0};
  c.max = std::max(c.max, zero);
  c.floor = std::clamp(c.floor, zero, c.max);
  c.initial = std::clamp(c.initial, c.floor, c.max);
  c.stable_after = std::max(c.stable_after, zero);
  if (!(c.multiplier >= 1.0)) c.multiplier = 1.0;  // also NaN
  return c;
}

}  // namespace

backoff::backoff(backoff_config config, std::uint64_t seed)
    : config_(corrected(config)), state_(seed) {}

// splitmix64 (Steele, Lea, Flood 2014): tiny state, good enough statistics
// for jitter, and specified here rather than by the standard library, so a
// seed gives the same delays everywhere.
std::uint64_t backoff::random() noexcept {
  std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

milliseconds backoff::cap() const {
  const auto initial = static_cast<double>(config_.initial.count());
  const auto max = static_cast<double>(config_.max.count());
  if (failures_ == 0 || initial <= 0 || config_.multiplier == 1.0) return config_.initial;
  // Compare the growth with max/initial instead of multiplying first: pow may
  // be +inf after many failures, and inf < limit is simply false.
  const double growth = std::pow(config_.multiplier, static_cast<double>(failures_));
  if (!(growth < max / initial)) return config_.max;
  // initial*growth < max here, so the cast fits; the min guards rounding.
  return std::min(config_.max, milliseconds(static_cast<milliseconds::rep>(initial * growth)));
}

milliseconds backoff::next() {
  const auto low = static_cast<std::uint64_t>(config_.floor.count());
  const auto high = static_cast<std::uint64_t>(cap().count());
  // high - low + 1 <= 2^63: no wrap. Rejection sampling removes the modulo
  // bias (draws below `threshold` would favour small values).
  const std::uint64_t range = high - low + 1;
  const std::uint64_t threshold = (0 - range) % range;
  std::uint64_t draw = random();
  while (draw < threshold) draw = random();
  if (failures_ < std::numeric_limits<unsigned>::max()) ++failures_;
  return milliseconds(static_cast<milliseconds::rep>(low + draw % range));
}

void backoff::reset() noexcept { failures_ = 0; }

void backoff::connected(clock::time_point now) noexcept { connected_at_ = now; }

void backoff::disconnected(clock::time_point now) noexcept {
  // duration_cast to milliseconds (a division) rather than comparing in the
  // clock's nanoseconds, which would overflow for a huge stable_after.
  if (connected_at_ &&
      std::chrono::duration_cast<milliseconds>(now - *connected_at_) >= config_.stable_after) {
    reset();
  }
  connected_at_.reset();
}

}  // namespace mesos_http
