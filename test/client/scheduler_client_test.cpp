// mesos_http::scheduler against the simulated master over loopback: the
// subscription, calls, and recovery from every kind of broken stream.
#include "sim/master_fixture.hpp"
#include "scheduler_client_support.hpp"

#include <mesos_http/sim/ensemble.hpp>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <future>

using namespace mesos_http;
using mesos_http::test::recording_client;
using mesos_http::test::sim_fixture::running_master;
namespace sched = mesos::v1::scheduler;

namespace {

std::string url_of(unsigned short port) { return "http://127.0.0.1:" + std::to_string(port); }

sched::Call launch_call(const mesos::v1::Offer& offer, const std::string& task_id,
                        const std::string& command) {
  sched::Call call;
  call.set_type(sched::Call::ACCEPT);
  auto* accept = call.mutable_accept();
  *accept->add_offer_ids() = offer.id();
  auto* op = accept->add_operations();
  op->set_type(mesos::v1::Offer::Operation::LAUNCH);
  auto* task = op->mutable_launch()->add_task_infos();
  task->set_name(task_id);
  task->mutable_task_id()->set_value(task_id);
  *task->mutable_agent_id() = offer.agent_id();
  auto* cpus = task->add_resources();
  cpus->set_name("cpus");
  cpus->set_type(mesos::v1::Value::SCALAR);
  cpus->mutable_scalar()->set_value(0.1);
  task->mutable_command()->set_value(command);
  return call;
}

bool has_state(recording_client& c, const std::string& task, mesos::v1::TaskState state) {
  for (const auto& e : c.events_) {
    if (e.type() == sched::Event::UPDATE && e.update().status().task_id().value() == task &&
        e.update().status().state() == state) {
      return true;
    }
  }
  return false;
}

}  // namespace

TEST_CASE("scheduler subscribes, launches a task and acknowledges its updates", "[client]") {
  auto content = GENERATE(content_type::protobuf, content_type::json);
  running_master master;
  auto config = test::client_config({url_of(master.port())}, content);
  config.auto_acknowledge = true;
  recording_client client(config);

  REQUIRE(client.wait_events(sched::Event::SUBSCRIBED, 1));
  REQUIRE(client.wait_events(sched::Event::OFFERS, 1));
  auto offers = client.last(sched::Event::OFFERS);
  REQUIRE(offers.offers().offers_size() > 0);
  auto framework_id = client->framework_id();
  REQUIRE(framework_id);
  CHECK(framework_id->value() ==
        client.last(sched::Event::SUBSCRIBED).subscribed().framework_id().value());

  auto [ec, diag] = client.call(launch_call(offers.offers().offers(0), "t1", "true"));
  REQUIRE_FALSE(ec);
  REQUIRE(client.wait([&] { return has_state(client, "t1", mesos::v1::TASK_FINISHED); }));
  // Every update carried a uuid and was acknowledged: the master holds none.
  REQUIRE(client.wait([&] { return client->metrics().outstanding_acknowledgements == 0; }));
  auto m = client->metrics();
  CHECK(m.acknowledgements_sent >= 3);  // STARTING, RUNNING, FINISHED
  CHECK(m.calls_by_type["ACCEPT"] == 1);
  CHECK(m.events_by_type["SUBSCRIBED"] == 1);
  CHECK(m.subscriptions == 1);
  CHECK(m.bytes_received > 0);
}

TEST_CASE("a call before the subscription fails fast with not_subscribed", "[client]") {
  running_master master;
  master->set_faults([] {
    sim::fault_settings f;
    f.fail_next_requests = 1000;
    return f;
  }());
  recording_client client(test::client_config({url_of(master.port())}, content_type::protobuf));
  sched::Call call;
  call.set_type(sched::Call::REVIVE);
  auto [ec, diag] = client.call(call);
  CHECK(ec == error::not_subscribed);
  CHECK(client->metrics().call_failures_by_reason["not_subscribed"] == 1);
}

TEST_CASE("a silent stream trips the heartbeat watchdog and the client resubscribes",
          "[client]") {
  auto content = GENERATE(content_type::protobuf, content_type::json);
  running_master master;
  auto config = test::client_config({url_of(master.port())}, content);
  config.heartbeat_misses = 1;  // 200 ms interval in the fixture
  config.heartbeat_slack = std::chrono::milliseconds(100);
  recording_client client(config);
  REQUIRE(client.wait_events(sched::Event::SUBSCRIBED, 1));
  auto first_id = *client->framework_id();

  sim::fault_settings silent;
  silent.stop_heartbeats = true;
  master->set_faults(silent);
  REQUIRE(client.wait([&] {
    return std::count(client.disconnect_reasons_.begin(), client.disconnect_reasons_.end(),
                      make_error_code(error::heartbeat_timeout)) >= 1;
  }));
  master->set_faults({});
  REQUIRE(client.wait_events(sched::Event::SUBSCRIBED, 2));
  // The same framework came back (failover), not a new one.
  CHECK(client.last(sched::Event::SUBSCRIBED).subscribed().framework_id().value() ==
        first_id.value());
}

TEST_CASE("a stream cut after N events is resubscribed with the same framework id",
          "[client]") {
  auto content = GENERATE(content_type::protobuf, content_type::json);
  auto cut_after = GENERATE(1u, 2u, 3u);
  running_master master;
  recording_client client(test::client_config({url_of(master.port())}, content));
  REQUIRE(client.wait_events(sched::Event::SUBSCRIBED, 1));
  auto first_id = *client->framework_id();
  sim::fault_settings cut;
  cut.cut_stream_after_events = cut_after;
  master->set_faults(cut);
  client->reconnect();
  REQUIRE(client.wait_events(sched::Event::SUBSCRIBED, 3));
  master->set_faults({});
  for (const auto& e : client.events_copy()) {
    if (e.type() == sched::Event::SUBSCRIBED) {
      CHECK(e.subscribed().framework_id().value() == first_id.value());
    }
  }
  CHECK(client->metrics().reconnects_by_reason.size() >= 1);
}

TEST_CASE("garbage in the stream is a clean error and a reconnect", "[client]") {
  running_master master;
  recording_client client(test::client_config({url_of(master.port())}, content_type::protobuf));
  REQUIRE(client.wait_events(sched::Event::SUBSCRIBED, 1));
  sim::fault_settings garbage;
  garbage.garbage = "not a record length\n";
  master->set_faults(garbage);  // for the next stream
  client->reconnect();
  REQUIRE(client.wait([&] { return client.count_notes("disconnected") >= 2; }));
  REQUIRE(client.wait_events(sched::Event::SUBSCRIBED, 2));
  CHECK(client.disconnect_reasons_copy().at(1) == error::recordio_invalid_length);
}

TEST_CASE("503 answers are retried with backoff until a master answers", "[client]") {
  running_master master;
  sim::fault_settings storm;
  storm.fail_next_requests = 5;
  master->set_faults(storm);
  recording_client client(test::client_config({url_of(master.port())}, content_type::protobuf));
  REQUIRE(client.wait_events(sched::Event::SUBSCRIBED, 1));
  auto log = master->call_log();
  std::size_t failed = 0;
  for (const auto& entry : log) failed += entry.status == 503;
  CHECK(failed == 5);
}

TEST_CASE("a non-leading master's 307 is followed to the leader", "[client]") {
  auto content = GENERATE(content_type::protobuf, content_type::json);
  boost::asio::io_context io;
  auto base = running_master::fast_config();
  sim::ensemble masters(io.get_executor(), base, 3);
  REQUIRE_FALSE(masters.start());
  masters.elect(2);
  std::thread thread([&] { io.run(); });
  {
    recording_client client(
        test::client_config({url_of(masters.at(0).port())}, content));
    REQUIRE(client.wait_events(sched::Event::SUBSCRIBED, 1));
    CHECK(client->metrics().redirects == 1);
    REQUIRE(client.wait_events(sched::Event::OFFERS, 1));
    sched::Call revive;
    revive.set_type(sched::Call::REVIVE);
    auto [rec, rdiag] = client.call(revive);
    INFO(rdiag.to_string());
    CHECK_FALSE(rec);

    // Leader change mid-stream: the stream drops, the client finds the new
    // leader through the redirect and resubscribes with its framework id.
    masters.elect(1);
    REQUIRE(client.wait_events(sched::Event::SUBSCRIBED, 2));
    CHECK(client.count_notes("disconnected") >= 1);
  }
  masters.stop();
  thread.join();
}

TEST_CASE("calls from 8 threads at once all complete", "[client]") {
  running_master master;
  recording_client client(test::client_config({url_of(master.port())}, content_type::protobuf));
  REQUIRE(client.wait_events(sched::Event::SUBSCRIBED, 1));
  std::atomic<int> ok{0}, failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        sched::Call call;
        call.set_type(sched::Call::REVIVE);
        auto result = client.call_from_any_thread(call);
        (result && !result->first ? ok : failed)++;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(ok == 400);
  CHECK(failed == 0);
  CHECK(client->metrics().calls_by_type["REVIVE"] == 400);
}

TEST_CASE("a send completes on the handler's own executor, else on the scheduler's strand",
          "[client]") {
  running_master master;
  recording_client client(test::client_config({url_of(master.port())}, content_type::protobuf));
  REQUIRE(client.wait_events(sched::Event::SUBSCRIBED, 1));
  boost::asio::thread_pool pool(1);
  sched::Call revive;
  revive.set_type(sched::Call::REVIVE);
  // Where each completion ran and how the call went; checked on this thread
  // (Catch's assertions are not to be used from others).
  struct ran {
    bool on_pool = false, on_strand = false;
    boost::system::error_code ec;
  };
  std::promise<ran> bound_ran, plain_ran;
  const auto executor = client->get_executor();  // outlives the pointer into it
  const auto* strand = executor.target<boost::asio::strand<boost::asio::any_io_executor>>();
  REQUIRE(strand);
  auto record = [&pool, strand](std::promise<ran>& p) {
    return [&p, &pool, strand](boost::system::error_code ec, diagnostics) {
      p.set_value({pool.get_executor().running_in_this_thread(), strand->running_in_this_thread(),
                   ec});
    };
  };
  client->async_send(revive, boost::asio::bind_executor(pool, record(bound_ran)));
  client->async_send(revive, record(plain_ran));
  auto bound = bound_ran.get_future(), plain = plain_ran.get_future();
  REQUIRE(bound.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  REQUIRE(plain.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  const ran b = bound.get(), p = plain.get();
  CHECK(!b.ec);
  CHECK(b.on_pool);
  CHECK_FALSE(b.on_strand);
  CHECK(!p.ec);
  CHECK_FALSE(p.on_pool);
  CHECK(p.on_strand);
  pool.join();
}

TEST_CASE("a call sent by reference is the caller's again as soon as async_send returns",
          "[client]") {
  const auto type = GENERATE(content_type::protobuf, content_type::json);
  running_master master;
  recording_client client(test::client_config({url_of(master.port())}, type));
  REQUIRE(client.wait_events(sched::Event::SUBSCRIBED, 1));
  std::promise<boost::system::error_code> from_strand, from_thread;
  auto record = [](std::promise<boost::system::error_code>& p) {
    return [&p](boost::system::error_code ec, diagnostics) { p.set_value(ec); };
  };
  // On the strand (as in a callback): encoded in place, then reused at once.
  sched::Call on_strand;
  boost::asio::post(client->get_executor(), [&] {
    on_strand.set_type(sched::Call::REVIVE);
    client->async_send(on_strand, record(from_strand));
    on_strand.Clear();  // an empty Call: Mesos would refuse it (400)
  });
  // From another thread: copied before async_send returns.
  sched::Call elsewhere;
  elsewhere.set_type(sched::Call::REVIVE);
  client->async_send(elsewhere, record(from_thread));
  elsewhere.Clear();
  for (auto* p : {&from_strand, &from_thread}) {
    auto result = p->get_future();
    REQUIRE(result.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
    CHECK(result.get() == boost::system::error_code());
  }
  CHECK(client->metrics().calls_by_type["REVIVE"] == 2);
}

TEST_CASE("a second instance taking over the framework stops the first", "[client]") {
  running_master master;
  recording_client first(test::client_config({url_of(master.port())}, content_type::protobuf));
  REQUIRE(first.wait_events(sched::Event::SUBSCRIBED, 1));
  auto config = test::client_config({url_of(master.port())}, content_type::json);
  *config.framework.mutable_id() = *first->framework_id();
  recording_client second(config);
  REQUIRE(second.wait_events(sched::Event::SUBSCRIBED, 1));
  REQUIRE(first.wait([&] { return first.run_result_.has_value(); }));
  CHECK(*first.run_result_ == error::framework_error);
  CHECK(first.last(sched::Event::ERROR).error().message() == "Framework failed over");
  CHECK(first->last_error().message() == "Framework failed over");
}

TEST_CASE("callbacks run in order on the executor the user names", "[client]") {
  running_master master;
  boost::asio::thread_pool pool(3);
  std::mutex mutex;
  std::vector<bool> on_pool;
  std::vector<std::string> order;
  auto customize = [&](scheduler_handlers& on, recording_client&) {
    on.callback_executor = pool.get_executor();
    on.subscribed = [&](const sched::Event::Subscribed&) {
      std::lock_guard<std::mutex> lock(mutex);
      on_pool.push_back(pool.get_executor().running_in_this_thread());
      order.push_back("subscribed");
    };
    on.heartbeat = [&] {
      std::lock_guard<std::mutex> lock(mutex);
      on_pool.push_back(pool.get_executor().running_in_this_thread());
      order.push_back("heartbeat");
    };
  };
  recording_client client(test::client_config({url_of(master.port())}, content_type::protobuf),
                          customize);
  REQUIRE(client.wait_events(sched::Event::HEARTBEAT, 3));
  client->stop();
  REQUIRE(client.wait([&] { return client.run_result_.has_value(); }));
  pool.join();
  std::lock_guard<std::mutex> lock(mutex);
  REQUIRE(order.size() >= 4);
  CHECK(order.front() == "subscribed");  // SUBSCRIBED first, then heartbeats
  for (std::size_t i = 1; i < order.size(); ++i) CHECK(order[i] == "heartbeat");
  for (bool b : on_pool) CHECK(b);  // every callback ran on a pool thread
}

TEST_CASE("run() blocks on a private loop until the scheduler stops", "[client]") {
  running_master master;
  scheduler_handlers on;
  scheduler* self = nullptr;
  int heartbeats = 0;
  on.heartbeat = [&] {
    if (++heartbeats == 2) self->stop();  // from inside a callback
  };
  scheduler s(test::client_config({url_of(master.port())}, content_type::json), on);
  self = &s;
  auto ec = s.run();
  CHECK(ec == error::stopped);
  CHECK(heartbeats == 2);
  CHECK(s.metrics().subscriptions == 1);

  boost::asio::io_context io;
  scheduler on_executor(io.get_executor(), test::client_config({url_of(master.port())},
                                                                content_type::json), {});
  CHECK(on_executor.run() == boost::system::errc::operation_not_permitted);
}

TEST_CASE("a master that refuses connections is skipped for the next one", "[client]") {
  running_master master;
  // A port nobody listens on: bind one, note it, close it.
  unsigned short dead_port = 0;
  {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor probe(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    dead_port = probe.local_endpoint().port();
  }
  recording_client client(
      test::client_config({url_of(dead_port), url_of(master.port())}, content_type::protobuf));
  REQUIRE(client.wait_events(sched::Event::SUBSCRIBED, 1));
  CHECK(client->metrics().subscriptions == 1);
  CHECK(client->last_error().message().find("cannot reach http://127.0.0.1:" +
                                            std::to_string(dead_port)) == 0);
}
