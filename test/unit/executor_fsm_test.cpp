// detail::executor_fsm's life cycle driven with fabricated time points, HTTP
// statuses and decoded events: connecting, retries and their limits,
// shutdown reasons. Updates and tasks: executor_fsm_updates_test.cpp.
#include "executor_fsm_support.hpp"

#include <mesos_http/error.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

using namespace mesos_http::test::xfsm;

TEST_CASE("executor fsm: start, SUBSCRIBED, heartbeat calls", "[executor_fsm]") {
  executor_fsm fsm(settings(true));
  CHECK(fsm.state() == executor_state::disconnected);
  CHECK(fsm.on_timer(t0).next == executor_step::wait);  // not started: nothing to do
  auto d = fsm.start(t0);
  CHECK(d.next == executor_step::connect);
  CHECK(d.deadline == t0 + seconds(30));  // subscribe timeout
  CHECK(fsm.state() == executor_state::connecting);
  CHECK(fsm.generation() == 1);

  const Call sub = fsm.subscribe_call();
  CHECK(sub.type() == Call::SUBSCRIBE);
  CHECK(sub.framework_id().value() == "fw-1");
  CHECK(sub.executor_id().value() == "ex-1");
  CHECK(sub.has_subscribe());
  CHECK(sub.subscribe().unacknowledged_tasks_size() == 0);
  CHECK(sub.subscribe().unacknowledged_updates_size() == 0);

  d = fsm.on_response(200, "", t0 + ms(5));
  CHECK(d.next == executor_step::stream);
  CHECK(d.deadline == t0 + seconds(30));
  CHECK_FALSE(fsm.subscribed());

  const auto at = t0 + ms(10);
  d = fsm.on_event(subscribed_event(), at);
  CHECK(d.next == executor_step::stream);
  CHECK(d.deadline == at + minutes(30));
  CHECK_FALSE(d.send_heartbeat);
  CHECK(fsm.subscribed());
  REQUIRE(fsm.subscribed_info());
  CHECK(fsm.subscribed_info()->agent_info().hostname() == "127.0.0.1");
  CHECK(fsm.counters().subscriptions == 1);
  CHECK(fsm.counters().resubscriptions == 0);

  // The agent's own HEARTBEAT events change nothing (no watchdog on them).
  CHECK(fsm.on_event(typed(Event::HEARTBEAT), at + minutes(1)).deadline == at + minutes(30));
  d = fsm.on_timer(at + minutes(30) - ms(1));
  CHECK_FALSE(d.send_heartbeat);
  d = fsm.on_timer(at + minutes(30));
  CHECK(d.send_heartbeat);
  CHECK(d.next == executor_step::stream);
  CHECK(d.deadline == at + minutes(60));
  CHECK(fsm.counters().heartbeats == 1);
  const Call hb = fsm.heartbeat_call();
  CHECK(hb.type() == Call::HEARTBEAT);
  CHECK(hb.framework_id().value() == "fw-1");
  CHECK(hb.executor_id().value() == "ex-1");
  CHECK(fsm.message_call("hi").message().data() == "hi");

  SECTION("a zero heartbeat interval asks for none") {
    auto s = settings(false);
    s.heartbeat_interval = ms(0);
    executor_fsm quiet(s);
    subscribe(quiet, t0);
    CHECK(quiet.on_timer(t0 + std::chrono::hours(100)).deadline == time_point::max());
    CHECK(quiet.counters().heartbeats == 0);
  }
}

TEST_CASE("executor fsm: checkpointing retries, capped, until the recovery timeout",
          "[executor_fsm]") {
  executor_fsm fsm(settings(true));
  subscribe(fsm, t0);
  const time_point lost_at = t0 + minutes(1);
  auto d = fsm.on_connection_lost(refused, "subscribe connection reset", lost_at);
  REQUIRE(d.next == executor_step::wait);
  CHECK(fsm.state() == executor_state::disconnected);
  CHECK(fsm.counters().disconnections == 1);

  const time_point limit = lost_at + minutes(15);
  std::vector<ms> delays;
  time_point now = lost_at;
  std::uint64_t generation = fsm.generation();
  while (d.next == executor_step::wait) {
    REQUIRE(d.deadline > now);
    delays.push_back(std::chrono::duration_cast<ms>(d.deadline - now));
    now = d.deadline;
    d = fsm.on_timer(now);
    if (d.next != executor_step::connect) break;
    CHECK(fsm.generation() == ++generation);
    CHECK(d.deadline == std::min(now + seconds(30), limit));
    d = fsm.on_connection_lost(refused, "connection refused", now);
  }
  CHECK(d.next == executor_step::shutdown);
  CHECK(now == limit);  // exactly at the end of the window, not a backoff later
  CHECK(fsm.shut_down());
  CHECK(fsm.shutdown_reason() == error::recovery_timeout);
  CHECK(fsm.shutdown_diagnostics().message() ==
        "agent not back within the recovery timeout of 900000 ms; last failure: connection "
        "refused");
  CHECK(fsm.shutdown_deadline() == limit + seconds(5));

  // Every delay is within [10 ms, 2 s]; the caps double from 250 ms.
  REQUIRE(delays.size() > 400);
  CHECK(delays[0] <= ms(250));
  CHECK(delays[1] <= ms(500));
  CHECK(delays[2] <= ms(1000));
  ms longest{0};
  for (std::size_t i = 0; i + 1 < delays.size(); ++i) {  // the last one is cut by the limit
    INFO(i);
    CHECK(delays[i] >= ms(10));
    CHECK(delays[i] <= seconds(2));
    longest = std::max(longest, delays[i]);
  }
  CHECK(longest > ms(1900));
  const auto c = fsm.counters();
  CHECK(c.failed_attempts == delays.size() - 1);
  CHECK(c.connect_attempts == delays.size());  // the first, then one per wait but the last
  CHECK(c.disconnections == 1);
  CHECK(c.resubscriptions == 0);

  // Finished: nothing moves it any more.
  CHECK(fsm.on_timer(limit + minutes(1)).next == executor_step::shutdown);
  CHECK(fsm.on_response(200, "", limit).next == executor_step::shutdown);
  CHECK(fsm.on_event(subscribed_event(), limit).next == executor_step::shutdown);
  CHECK(fsm.stop(limit).next == executor_step::shutdown);
  CHECK(fsm.shutdown_reason() == error::recovery_timeout);
}

TEST_CASE("executor fsm: an attempt still running when the window ends gives up",
          "[executor_fsm]") {
  auto s = settings(true);
  s.recovery_timeout = seconds(40);
  executor_fsm fsm(s);
  subscribe(fsm, t0);
  auto d = fsm.on_connection_lost(refused, "reset", t0);
  d = fsm.on_timer(d.deadline);
  REQUIRE(d.next == executor_step::connect);
  REQUIRE(fsm.on_response(200, "", d.deadline - seconds(30)).next == executor_step::stream);
  // SUBSCRIBED never comes; the subscribe timeout (30 s) fails the attempt.
  const time_point attempt = d.deadline - seconds(30);
  d = fsm.on_timer(attempt + seconds(30));
  REQUIRE(d.next == executor_step::wait);
  d = fsm.on_timer(d.deadline);
  REQUIRE(d.next == executor_step::connect);
  CHECK(d.deadline == t0 + seconds(40));  // the window, before the subscribe timeout
  d = fsm.on_timer(t0 + seconds(40));
  CHECK(d.next == executor_step::shutdown);
  CHECK(fsm.shutdown_reason() == error::recovery_timeout);
  CHECK(fsm.shutdown_diagnostics().message().find("got no SUBSCRIBED") != std::string::npos);
}

TEST_CASE("executor fsm: SUBSCRIBED within the window ends it and resets the backoff",
          "[executor_fsm]") {
  executor_fsm fsm(settings(true));
  subscribe(fsm, t0);
  auto d = fsm.on_connection_lost(refused, "reset", t0);
  for (int i = 0; i < 8; ++i) {
    const time_point at = d.deadline;
    REQUIRE(fsm.on_timer(at).next == executor_step::connect);
    d = fsm.on_response(503, "Agent has not finished recovery", at);
    REQUIRE(d.next == executor_step::wait);  // 503 is retried
  }
  const time_point back = resubscribe(fsm, d);
  CHECK(fsm.counters().resubscriptions == 1);
  CHECK(fsm.counters().subscriptions == 2);
  CHECK(fsm.counters().failed_attempts == 8);

  // A new loss starts a new window and small delays again.
  const time_point second_loss = back + minutes(14);
  d = fsm.on_connection_lost({}, "stream ended", second_loss);
  REQUIRE(d.next == executor_step::wait);
  CHECK(d.deadline <= second_loss + ms(250));
  d = fsm.on_timer(second_loss + minutes(15) - ms(1));
  CHECK(d.next != executor_step::shutdown);
  CHECK(fsm.on_timer(second_loss + minutes(15)).next == executor_step::shutdown);
  CHECK(fsm.shutdown_reason() == error::recovery_timeout);
}

TEST_CASE("executor fsm: without checkpointing a lost agent ends the executor at once",
          "[executor_fsm]") {
  executor_fsm fsm(settings(false));
  subscribe(fsm, t0);
  const time_point at = t0 + minutes(3);
  const int which = GENERATE(0, 1);
  executor_decision result;
  if (which == 0) {
    result = fsm.on_connection_lost({}, "agent closed the event stream", at);
  } else {
    result = fsm.on_connection_lost(refused, "call connection broken", at);
  }
  CHECK(result.next == executor_step::shutdown);
  CHECK(fsm.shutdown_reason() == error::agent_disconnected);
  CHECK(fsm.shutdown_diagnostics().message().find("checkpointing is off") != std::string::npos);
  CHECK(fsm.shutdown_deadline() == at + seconds(5));
  CHECK(fsm.counters().disconnections == 1);
  CHECK(fsm.counters().connect_attempts == 1);
  // A late completion of the old connection changes nothing.
  CHECK(fsm.on_connection_lost(refused, "late", at + ms(1)).next == executor_step::shutdown);
  CHECK(fsm.shutdown_reason() == error::agent_disconnected);
}

TEST_CASE("executor fsm: at startup failures are retried for the registration timeout",
          "[executor_fsm]") {
  const bool checkpoint = GENERATE(false, true);
  INFO("checkpoint " << checkpoint);
  executor_fsm fsm(settings(checkpoint));
  auto d = fsm.start(t0);
  const time_point limit = t0 + (checkpoint ? minutes(15) : minutes(1));
  time_point now = t0;
  int attempts = 0;
  while (d.next != executor_step::shutdown) {
    if (d.next == executor_step::connect) {
      ++attempts;
      // Refused, 503, 404, a 5xx and a stream ending before SUBSCRIBED: all retried.
      switch (attempts % 5) {
        case 0:
          d = fsm.on_connection_lost(refused, "connection refused", now);
          break;
        case 1:
          d = fsm.on_response(503, "Agent has not finished recovery", now);
          break;
        case 2:
          d = fsm.on_response(404, "", now);
          break;
        case 3:
          d = fsm.on_response(500, "oops", now);
          break;
        default:
          fsm.on_response(200, "", now);
          d = fsm.on_connection_lost({}, "stream ended", now);
          break;
      }
      REQUIRE(d.next != executor_step::connect);
      continue;
    }
    REQUIRE(d.next == executor_step::wait);
    REQUIRE(d.deadline <= limit);
    now = d.deadline;
    d = fsm.on_timer(now);
  }
  CHECK(now == limit);
  CHECK(attempts > 20);
  CHECK(fsm.shutdown_reason() == error::recovery_timeout);
  CHECK(fsm.shutdown_diagnostics().message().rfind("could not subscribe to the agent within " +
                                                       std::to_string(checkpoint ? 900000 : 60000) +
                                                       " ms; last failure: ",
                                                   0) == 0);
  CHECK(fsm.counters().subscriptions == 0);
  CHECK(fsm.counters().failed_attempts == static_cast<std::uint64_t>(attempts));
}

TEST_CASE("executor fsm: refusals of SUBSCRIBE end the executor", "[executor_fsm]") {
  struct refusal {
    unsigned status;
    error expected;
  };
  const auto r = GENERATE(values<refusal>({{400, error::bad_request},
                                           {401, error::unauthorized},
                                           {403, error::forbidden},
                                           {406, error::unexpected_status},
                                           {415, error::unexpected_status}}));
  const bool checkpoint = GENERATE(false, true);
  executor_fsm fsm(settings(checkpoint));
  fsm.start(t0);
  auto d = fsm.on_response(r.status, "Executor cannot be found", t0 + ms(3));
  CHECK(d.next == executor_step::shutdown);
  CHECK(fsm.shutdown_reason() == r.expected);
  CHECK(fsm.shutdown_diagnostics().http_status() == r.status);
  CHECK(fsm.shutdown_diagnostics().body_excerpt() == "Executor cannot be found");
  CHECK(fsm.shutdown_diagnostics().message() ==
        "agent answered " + std::to_string(r.status) + " to SUBSCRIBE: Executor cannot be found");
  CHECK(fsm.shutdown_deadline() == t0 + ms(3) + seconds(5));
}

TEST_CASE("executor fsm: the stream must start with SUBSCRIBED", "[executor_fsm]") {
  executor_fsm fsm(settings(true));
  fsm.start(t0);
  // Before the 200 there is no stream: events are stale and ignored.
  CHECK(fsm.on_event(launch("early"), t0).next == executor_step::stream);
  CHECK(fsm.unacknowledged_tasks().empty());
  fsm.on_response(200, "", t0);
  CHECK(fsm.on_response(200, "", t0).next == executor_step::stream);  // a duplicate: ignored
  auto d = fsm.on_event(launch("t"), t0 + ms(1));
  CHECK(d.next == executor_step::wait);
  CHECK(fsm.unacknowledged_tasks().empty());
  CHECK(fsm.counters().failed_attempts == 1);

  SECTION("no SUBSCRIBED within the subscribe timeout fails the attempt") {
    d = fsm.on_timer(d.deadline);
    REQUIRE(d.next == executor_step::connect);
    const time_point attempt = d.deadline - seconds(30);
    fsm.on_response(200, "", attempt);
    CHECK(fsm.on_timer(attempt + seconds(30) - ms(1)).next == executor_step::stream);
    CHECK(fsm.on_timer(attempt + seconds(30)).next == executor_step::wait);
    CHECK(fsm.counters().failed_attempts == 2);
  }
}

TEST_CASE("executor fsm: settings from a config, and huge durations do not overflow",
          "[executor_fsm]") {
  executor_config cfg;
  cfg.framework_id.set_value("fw-9");
  cfg.executor_id.set_value("ex-9");
  cfg.checkpoint = true;
  cfg.recovery_timeout = ms(std::chrono::hours(24 * 7 * 15250));  // "15250weeks"
  cfg.subscription_backoff_max = ms(0);
  cfg.shutdown_grace_period = ms::max();
  const auto s = detail::make_executor_fsm_settings(cfg, 3);
  CHECK(s.who.framework_id.value() == "fw-9");
  CHECK(s.who.executor_id.value() == "ex-9");
  CHECK(s.checkpoint);
  CHECK(s.backoff_seed == 3);
  CHECK(s.heartbeat_interval == cfg.heartbeat_interval);
  CHECK(s.registration_timeout == cfg.registration_timeout);

  executor_fsm fsm(s);
  subscribe(fsm, t0);
  auto d = fsm.on_connection_lost(refused, "reset", t0);
  REQUIRE(d.next == executor_step::wait);
  CHECK(d.deadline == t0 + ms(10));  // a zero maximum is a 10 ms floor, not a busy loop
  d = fsm.on_timer(d.deadline);
  CHECK(d.next == executor_step::connect);
  CHECK(d.deadline == t0 + ms(10) + seconds(30));
  CHECK(fsm.on_timer(t0 + std::chrono::hours(24 * 365)).next != executor_step::shutdown);
  CHECK(fsm.stop(t0).next == executor_step::shutdown);
  CHECK(fsm.shutdown_deadline() == time_point::max());
}
