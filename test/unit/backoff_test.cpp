// Backoff: bounds of every delay, growth and saturation of the cap, resets,
// determinism under a seed, corrections of odd configurations. Time is data:
// nothing here sleeps.
#include <mesos_http/backoff.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

using mesos_http::backoff;
using mesos_http::backoff_config;
using std::chrono::milliseconds;

namespace {

std::vector<milliseconds> delays(backoff& b, int n) {
  std::vector<milliseconds> out;
  for (int i = 0; i < n; ++i) out.push_back(b.next());
  return out;
}

std::vector<milliseconds> ms(std::initializer_list<milliseconds::rep> values) {
  std::vector<milliseconds> out;
  for (auto v : values) out.emplace_back(v);
  return out;
}

}  // namespace

TEST_CASE("backoff defaults", "[backoff]") {
  backoff_config c;
  CHECK(c.initial == milliseconds(500));
  CHECK(c.max == milliseconds(30000));
  CHECK(c.floor == milliseconds(50));
  CHECK(c.multiplier == 2.0);
  CHECK(c.stable_after == milliseconds(60000));
  backoff b;
  CHECK(b.failures() == 0);
  CHECK(b.cap() == milliseconds(500));
  CHECK(b.config().max == milliseconds(30000));
}

TEST_CASE("backoff caps grow by the multiplier, then saturate at max", "[backoff]") {
  backoff b({}, 1);
  std::vector<milliseconds> caps;
  for (int i = 0; i < 9; ++i) {
    caps.push_back(b.cap());
    b.next();
  }
  CHECK(caps == ms({500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000}));
  CHECK(b.failures() == 9);

  backoff_config c;
  c.initial = milliseconds(100);
  c.max = milliseconds(1000);
  c.multiplier = 1.5;
  backoff slow(c, 1);
  caps.clear();
  for (int i = 0; i < 8; ++i) {
    caps.push_back(slow.cap());
    slow.next();
  }
  // 337.5, 506.25, 759.375 are truncated to whole milliseconds.
  CHECK(caps == ms({100, 150, 225, 337, 506, 759, 1000, 1000}));
}

TEST_CASE("every delay lies in [floor, cap] for many seeds", "[backoff]") {
  backoff_config c = GENERATE(values<backoff_config>({
      {},
      {milliseconds(100), milliseconds(15000), milliseconds(0), 2.0, milliseconds(1000)},
      {milliseconds(10), milliseconds(20), milliseconds(10), 3.0, milliseconds(1000)},
      {milliseconds(1), milliseconds(1), milliseconds(1), 2.0, milliseconds(1000)},
  }));
  int outside = 0;
  int checked = 0;
  for (std::uint64_t seed = 0; seed < 1000; ++seed) {
    backoff b(c, seed);
    for (int i = 0; i < 20; ++i) {
      milliseconds cap = b.cap();
      milliseconds d = b.next();
      if (d < c.floor || d > cap || cap > c.max) ++outside;
      ++checked;
    }
  }
  CHECK(checked == 20000);
  CHECK(outside == 0);
}

TEST_CASE("the jitter covers the whole range", "[backoff]") {
  // First delays over 2000 seeds: uniform in [50, 500], so both ends are hit
  // closely and the mean is near 275. (Deterministic: fixed seeds.)
  milliseconds lowest = milliseconds::max();
  milliseconds highest = milliseconds::min();
  double sum = 0;
  for (std::uint64_t seed = 0; seed < 2000; ++seed) {
    backoff b({}, seed);
    milliseconds d = b.next();
    lowest = std::min(lowest, d);
    highest = std::max(highest, d);
    sum += static_cast<double>(d.count());
  }
  CHECK(lowest <= milliseconds(55));
  CHECK(highest >= milliseconds(495));
  CHECK(std::abs(sum / 2000 - 275) < 15);
}

TEST_CASE("a seed fixes the delays, on every platform", "[backoff]") {
  // Reference values from an independent splitmix64 implementation with the
  // same rejection sampling.
  backoff a({}, 42);
  CHECK(delays(a, 10) == ms({169, 594, 288, 3794, 5163, 13538, 11718, 15482, 21448, 20074}));
  backoff z({}, 0);
  CHECK(delays(z, 10) == ms({73, 476, 1834, 660, 3777, 8048, 26139, 533, 14971, 24912}));

  backoff b1({}, 7);
  backoff b2({}, 7);
  backoff other({}, 8);
  auto d1 = delays(b1, 50);
  CHECK(d1 == delays(b2, 50));
  CHECK(d1 != delays(other, 50));
}

TEST_CASE("reset() starts over from initial", "[backoff]") {
  backoff b({}, 3);
  delays(b, 5);
  CHECK(b.failures() == 5);
  CHECK(b.cap() == milliseconds(16000));
  b.reset();
  CHECK(b.failures() == 0);
  CHECK(b.cap() == milliseconds(500));
  milliseconds d = b.next();
  CHECK(d >= milliseconds(50));
  CHECK(d <= milliseconds(500));
  CHECK(b.failures() == 1);
}

TEST_CASE("a connection that lived stable_after resets the backoff", "[backoff]") {
  const backoff::clock::time_point t0{std::chrono::hours(1)};
  backoff b({}, 5);
  delays(b, 4);
  REQUIRE(b.failures() == 4);

  SECTION("connected() alone does not reset") {
    b.connected(t0);
    CHECK(b.failures() == 4);
  }
  SECTION("a short connection does not reset") {
    b.connected(t0);
    b.disconnected(t0 + milliseconds(59999));
    CHECK(b.failures() == 4);
    CHECK(b.cap() == milliseconds(8000));
  }
  SECTION("a connection of exactly stable_after resets") {
    b.connected(t0);
    b.disconnected(t0 + milliseconds(60000));
    CHECK(b.failures() == 0);
    CHECK(b.cap() == milliseconds(500));
  }
  SECTION("a long connection resets") {
    b.connected(t0);
    b.disconnected(t0 + std::chrono::hours(24));
    CHECK(b.failures() == 0);
  }
  SECTION("the time counts from the last connected()") {
    b.connected(t0);
    b.connected(t0 + milliseconds(30000));
    b.disconnected(t0 + milliseconds(70000));
    CHECK(b.failures() == 4);
  }
  SECTION("disconnected() without connected() changes nothing") {
    b.disconnected(t0 + std::chrono::hours(24));
    CHECK(b.failures() == 4);
  }
  SECTION("a second disconnected() does not reuse the old connected()") {
    b.connected(t0);
    b.disconnected(t0 + milliseconds(10));
    b.disconnected(t0 + std::chrono::hours(24));
    CHECK(b.failures() == 4);
  }
  SECTION("a clock going backwards does not reset") {
    b.connected(t0);
    b.disconnected(t0 - std::chrono::hours(1));
    CHECK(b.failures() == 4);
  }
  SECTION("failures after a stable run count from zero") {
    b.connected(t0);
    b.disconnected(t0 + milliseconds(60000));
    b.next();
    b.next();
    CHECK(b.failures() == 2);
    CHECK(b.cap() == milliseconds(2000));
  }
}

TEST_CASE("10,000 failures: no overflow, the cap stays at max", "[backoff]") {
  backoff b({}, 11);
  int outside = 0;
  for (int i = 0; i < 10000; ++i) {
    milliseconds d = b.next();
    if (d < milliseconds(50) || d > milliseconds(30000)) ++outside;
  }
  CHECK(outside == 0);
  CHECK(b.failures() == 10000);
  CHECK(b.cap() == milliseconds(30000));

  // Extreme parameters: a huge multiplier and the largest max.
  backoff_config c;
  c.initial = milliseconds(1);
  c.max = milliseconds::max();
  c.floor = milliseconds(0);
  c.multiplier = 1e300;
  backoff huge(c, 12);
  CHECK(huge.cap() == milliseconds(1));
  huge.next();
  CHECK(huge.cap() == milliseconds::max());  // 1e300 ms does not fit: saturates
  for (int i = 0; i < 10000; ++i) {
    milliseconds d = huge.next();
    if (d < milliseconds(0)) ++outside;
  }
  CHECK(outside == 0);
  CHECK(huge.cap() == milliseconds::max());

  // A tiny growth factor still reaches max, without wrapping.
  c.multiplier = 1.0001;
  c.max = milliseconds(30000);
  backoff tiny(c, 13);
  for (int i = 0; i < 10000; ++i) tiny.next();
  CHECK(tiny.cap() == milliseconds(static_cast<milliseconds::rep>(std::pow(1.0001, 10000))));
  CHECK(tiny.cap() == milliseconds(2));
  for (int i = 0; i < 200000; ++i) tiny.next();
  CHECK(tiny.cap() == milliseconds(30000));
}

TEST_CASE("odd configurations are corrected, not rejected", "[backoff]") {
  SECTION("initial above max is max") {
    backoff_config c;
    c.initial = milliseconds(60000);
    backoff b(c, 1);
    CHECK(b.config().initial == milliseconds(30000));
    CHECK(b.cap() == milliseconds(30000));
  }
  SECTION("initial below floor is floor") {
    backoff_config c;
    c.initial = milliseconds(10);
    backoff b(c, 1);
    CHECK(b.config().initial == milliseconds(50));
    CHECK(b.next() == milliseconds(50));
    CHECK(b.cap() == milliseconds(100));
  }
  SECTION("floor above max is max: every delay is max") {
    backoff_config c;
    c.floor = milliseconds(100000);
    backoff b(c, 1);
    CHECK(b.config().floor == milliseconds(30000));
    CHECK(b.config().initial == milliseconds(30000));
    CHECK(delays(b, 5) == ms({30000, 30000, 30000, 30000, 30000}));
  }
  SECTION("multiplier below 1 (or NaN) is 1: constant caps") {
    backoff_config c;
    c.multiplier = GENERATE(0.5, 0.0, -2.0, std::numeric_limits<double>::quiet_NaN());
    backoff b(c, 1);
    CHECK(b.config().multiplier == 1.0);
    delays(b, 100);
    CHECK(b.cap() == milliseconds(500));
  }
  SECTION("negative durations are 0") {
    backoff_config c{milliseconds(-1), milliseconds(-2), milliseconds(-3), 2.0, milliseconds(-4)};
    backoff b(c, 1);
    CHECK(b.config().initial == milliseconds(0));
    CHECK(b.config().max == milliseconds(0));
    CHECK(b.config().floor == milliseconds(0));
    CHECK(b.config().stable_after == milliseconds(0));
    CHECK(delays(b, 3) == ms({0, 0, 0}));
    // stable_after 0: any ended connection resets.
    b.connected(backoff::clock::time_point{});
    b.disconnected(backoff::clock::time_point{});
    CHECK(b.failures() == 0);
  }
  SECTION("a floor equal to the cap gives exactly the floor") {
    backoff_config c{milliseconds(200), milliseconds(200), milliseconds(200), 2.0, milliseconds(1)};
    backoff b(c, 99);
    CHECK(delays(b, 4) == ms({200, 200, 200, 200}));
  }
}
