// Security of mesos_http::scheduler over loopback (issue 4, "Security"):
// TLS through a TLS-terminating relay in front of the simulated master
// (certificates in test/data/tls), HTTP basic authentication against the
// simulator, and bearer tokens with the refresh hook through a relay that
// checks the Authorization header of every request.
#include "client/relay.hpp"
#include "client/security_support.hpp"
#include "detail/base64.hpp"
#include "scheduler_client_support.hpp"
#include "sim/master_fixture.hpp"

#include <atomic>

using namespace mesos_http;
using Catch::Matchers::Contains;
using mesos_http::test::log_capture;
using mesos_http::test::recording_client;
using mesos_http::test::relay;
using mesos_http::test::relay_options;
using mesos_http::test::tls_file;
using mesos_http::test::sim_fixture::running_master;
namespace sched = mesos::v1::scheduler;

namespace {

std::string url(const std::string& scheme, const std::string& host, unsigned short port) {
  return scheme + "://" + host + ":" + std::to_string(port);
}

relay_options tls_relay(unsigned short upstream, const std::string& cert) {
  relay_options o;
  o.upstream_port = upstream;
  o.certificate_file = tls_file(cert + ".pem");
  o.private_key_file = tls_file(cert + ".key");
  return o;
}

sched::Call revive() {
  sched::Call call;
  call.set_type(sched::Call::REVIVE);
  return call;
}

bool finished(recording_client& c) {
  return c.wait([&] { return c.run_result_.has_value(); });
}

}  // namespace

// --- TLS ------------------------------------------------------------------

TEST_CASE("https with the test CA: subscribes, and calls round-trip over TLS", "[client][tls]") {
  auto content = GENERATE(content_type::protobuf, content_type::json);
  auto host = GENERATE(as<std::string>{}, "127.0.0.1", "localhost");
  running_master master;
  relay proxy(tls_relay(master.port(), "server"));
  log_capture log;
  auto config = test::client_config({url("https", host, proxy.port())}, content);
  config.tls.ca_file = tls_file("ca.pem");
  config.log = log.get();
  recording_client client(config);

  REQUIRE(client.wait_events(sched::Event::SUBSCRIBED, 1));
  auto [ec, diag] = client.call(revive());
  INFO(diag.to_string());
  CHECK_FALSE(ec);
  // The stream and the call connection both went through the TLS relay.
  CHECK(proxy.handshakes_ok() >= 2);
  CHECK(proxy.handshake_errors().empty());
  // SNI names the host, except for an IP literal (RFC 6066 forbids those).
  for (const auto& name : proxy.server_names()) {
    CHECK(name == (host == "localhost" ? host : std::string()));
  }
  bool revived = false;
  for (const auto& e : master->call_log()) revived = revived || e.call_type == "REVIVE";
  CHECK(revived);
  CHECK(log.count(log_level::warning, "verification") == 0);
}

TEST_CASE("https without the CA: verification fails, and the client retries with backoff",
          "[client][tls]") {
  auto content = GENERATE(content_type::protobuf, content_type::json);
  running_master master;
  relay proxy(tls_relay(master.port(), "server"));
  auto config = test::client_config({url("https", "127.0.0.1", proxy.port())}, content);
  // System trust only: the test CA is not in it.
  const auto floor = std::chrono::milliseconds(50);
  config.backoff.initial = floor;
  config.backoff.floor = floor;
  config.backoff.max = 2 * floor;
  recording_client client(config);

  constexpr std::size_t attempts = 5;
  REQUIRE(proxy.wait([&](const relay::view& v) { return v.accepted.size() >= attempts; },
                     test::patience));
  auto times = proxy.connection_times();
  auto last_error = client->last_error();
  INFO(last_error.to_string());
  CHECK_THAT(last_error.message(), Contains("certificate verify failed"));
  CHECK_FALSE(client->is_subscribed());
  CHECK(proxy.handshakes_ok() == 0);
  std::size_t connected = 0;
  bool ended = false;
  client.wait([&] {
    connected = client.count_notes("connected");
    ended = client.run_result_.has_value();
    return true;
  });
  CHECK(connected == 0);
  CHECK_FALSE(ended);  // still trying
  // Every wait is at least the floor, so attempts over a window are bounded
  // by window / floor + 1; a tight loop makes hundreds.
  auto window = times.back() - times.front();
  INFO("attempts " << times.size() << " in "
                   << std::chrono::duration_cast<std::chrono::milliseconds>(window).count()
                   << " ms");
  CHECK(times.size() - 1 <= static_cast<std::size_t>(window / floor));
}

TEST_CASE("https to a server whose certificate names another host fails host name verification",
          "[client][tls]") {
  auto content = GENERATE(content_type::protobuf, content_type::json);
  auto host = GENERATE(as<std::string>{}, "127.0.0.1", "localhost");
  running_master master;
  // Signed by the trusted CA, but its only name is other.example.
  relay proxy(tls_relay(master.port(), "other"));
  auto config = test::client_config({url("https", host, proxy.port())}, content);
  config.tls.ca_file = tls_file("ca.pem");
  recording_client client(config);

  // A second connection means the first attempt failed and was recorded.
  REQUIRE(proxy.wait([](const relay::view& v) { return v.accepted.size() >= 2; }, test::patience));
  auto last_error = client->last_error();
  INFO(last_error.to_string());
  CHECK_THAT(last_error.message(), Contains("TLS handshake"));
  CHECK_THAT(last_error.message(), Contains("certificate verify failed"));
  CHECK_FALSE(client->is_subscribed());
  CHECK(proxy.handshakes_ok() == 0);
  std::size_t connected = 1;
  client.wait([&] { return (connected = client.count_notes("connected")), true; });
  CHECK(connected == 0);
}

TEST_CASE("verify_peer = false subscribes to any server and logs a warning", "[client][tls]") {
  auto content = GENERATE(content_type::protobuf, content_type::json);
  running_master master;
  // Neither the chain (no CA configured) nor the name would pass.
  relay proxy(tls_relay(master.port(), "other"));
  log_capture log;
  auto config = test::client_config({url("https", "127.0.0.1", proxy.port())}, content);
  config.tls.verify_peer = false;
  config.log = log.get();
  recording_client client(config);

  REQUIRE(client.wait_events(sched::Event::SUBSCRIBED, 1));
  auto [ec, diag] = client.call(revive());
  INFO(diag.to_string());
  CHECK_FALSE(ec);
  CHECK(log.count(log_level::warning, "verification is OFF") >= 1);
}

// --- HTTP basic authentication -----------------------------------------------

namespace {

const std::string principal = "fw-principal";
const std::string secret = "s3cret-value";

sim::master_config authenticating_master_config() {
  auto config = running_master::fast_config();
  config.credentials = {{principal, secret}};
  return config;
}

}  // namespace

TEST_CASE("basic authentication with the right secret: subscribes and every call is accepted",
          "[client][auth]") {
  auto content = GENERATE(content_type::protobuf, content_type::json);
  running_master master(authenticating_master_config());
  log_capture log;
  auto config = test::client_config({url("http", "127.0.0.1", master.port())}, content);
  config.framework.set_principal(principal);
  config.auth = credentials{principal, secret, {}, {}};
  config.log = log.get();
  recording_client client(config);

  REQUIRE(client.wait_events(sched::Event::SUBSCRIBED, 1));
  REQUIRE(client.wait_events(sched::Event::OFFERS, 1));
  auto offers = client.last(sched::Event::OFFERS).offers();
  REQUIRE(offers.offers_size() > 0);
  sched::Call decline;
  decline.set_type(sched::Call::DECLINE);
  *decline.mutable_decline()->add_offer_ids() = offers.offers(0).id();
  for (auto call : {revive(), decline, revive()}) {
    auto [ec, diag] = client.call(call);
    INFO(diag.to_string());
    CHECK_FALSE(ec);
  }
  // The simulator authenticates every request, calls included (as
  // libprocess does): none was refused, and the calls reached the cluster.
  std::size_t calls = 0;
  for (const auto& e : master->call_log()) {
    CHECK(e.status != 401);
    calls += e.call_type == "REVIVE" || e.call_type == "DECLINE";
  }
  CHECK(calls == 3);
  // Neither the secret nor the header value ever reaches the log.
  std::string token;
  detail::base64_append(token, principal + ":" + secret);
  CHECK(log.count_any(secret) == 0);
  CHECK(log.count_any(token) == 0);
}

TEST_CASE("basic authentication refused: async_run ends with unauthorized and HTTP 401",
          "[client][auth]") {
  auto content = GENERATE(content_type::protobuf, content_type::json);
  auto wrong_secret = GENERATE(true, false);  // false: no credentials at all
  running_master master(authenticating_master_config());
  auto config = test::client_config({url("http", "127.0.0.1", master.port())}, content);
  if (wrong_secret) config.auth = credentials{principal, "not-the-secret", {}, {}};
  recording_client client(config);

  REQUIRE(finished(client));
  CHECK(*client.run_result_ == error::unauthorized);
  auto diag = client->last_error();
  INFO(diag.to_string());
  REQUIRE(diag.http_status());
  CHECK(*diag.http_status() == 401);
  CHECK_FALSE(client->is_subscribed());
  CHECK(client.count(sched::Event::SUBSCRIBED) == 0);
  // Terminal: one attempt, no retries.
  auto log = master->call_log();
  REQUIRE(log.size() == 1);
  CHECK(log[0].status == 401);
}

// --- Bearer tokens -----------------------------------------------------------

namespace {

// Admits "Bearer new" only; forwards to the (unauthenticated) simulator.
relay_options bearer_gate(unsigned short upstream) {
  relay_options o;
  o.upstream_port = upstream;
  o.admit = [](const std::string& authorization) { return authorization == "Bearer new"; };
  return o;
}

}  // namespace

TEST_CASE("a 401 to a bearer token calls refresh_token and retries with the new token",
          "[client][auth]") {
  auto content = GENERATE(content_type::protobuf, content_type::json);
  running_master master;
  relay gate(bearer_gate(master.port()));
  auto refreshes = std::make_shared<std::atomic<int>>(0);
  auto config = test::client_config({url("http", "127.0.0.1", gate.port())}, content);
  credentials auth;
  auth.bearer_token = "old";
  auth.refresh_token = [refreshes] {
    ++*refreshes;
    return std::string("new");
  };
  config.auth = auth;
  recording_client client(config);

  REQUIRE(client.wait_events(sched::Event::SUBSCRIBED, 1));
  auto [ec, diag] = client.call(revive());
  INFO(diag.to_string());
  CHECK_FALSE(ec);
  CHECK(*refreshes == 1);

  auto requests = gate.requests();
  REQUIRE(requests.size() >= 3);  // refused SUBSCRIBE, SUBSCRIBE, REVIVE
  CHECK(requests[0].is_subscribe());
  CHECK(requests[0].header("authorization") == "Bearer old");
  CHECK_FALSE(requests[0].admitted);
  CHECK(requests[1].is_subscribe());
  std::size_t calls = 0;
  for (std::size_t i = 1; i < requests.size(); ++i) {
    INFO(requests[i].request_line);
    CHECK(requests[i].header("authorization") == "Bearer new");
    CHECK(requests[i].admitted);
    calls += !requests[i].is_subscribe();
  }
  CHECK(calls >= 1);  // the new token also went on the call connection
}

TEST_CASE("a 401 to a bearer token without a refresh hook is terminal", "[client][auth]") {
  auto content = GENERATE(content_type::protobuf, content_type::json);
  running_master master;
  relay gate(bearer_gate(master.port()));
  auto config = test::client_config({url("http", "127.0.0.1", gate.port())}, content);
  credentials auth;
  auth.bearer_token = "old";
  config.auth = auth;
  recording_client client(config);

  REQUIRE(finished(client));
  CHECK(*client.run_result_ == error::unauthorized);
  auto diag = client->last_error();
  INFO(diag.to_string());
  REQUIRE(diag.http_status());
  CHECK(*diag.http_status() == 401);
  CHECK(client.count(sched::Event::SUBSCRIBED) == 0);
  auto requests = gate.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].header("authorization") == "Bearer old");
}

TEST_CASE("a bearer token that expires while subscribed is refreshed after a call's 401",
          "[client][auth]") {
  auto content = GENERATE(content_type::protobuf, content_type::json);
  running_master master;
  // The gate accepts only "Bearer t<valid>"; Mesos authenticates each
  // request, so an open stream outlives the token it was opened with.
  auto valid = std::make_shared<std::atomic<int>>(1);
  relay_options o;
  o.upstream_port = master.port();
  o.admit = [valid](const std::string& authorization) {
    return authorization == "Bearer t" + std::to_string(valid->load());
  };
  relay gate(o);
  auto refreshes = std::make_shared<std::atomic<int>>(0);
  auto config = test::client_config({url("http", "127.0.0.1", gate.port())}, content);
  credentials auth;
  auth.bearer_token = "t1";
  auth.refresh_token = [refreshes] { return "t" + std::to_string(1 + ++*refreshes); };
  config.auth = auth;
  recording_client client(config);
  REQUIRE(client.wait_events(sched::Event::SUBSCRIBED, 1));
  CHECK(*refreshes == 0);

  *valid = 2;  // t1 expires; the call connection opens now, with t1
  auto [ec, diag] = client.call(revive());
  CHECK(ec == error::unauthorized);
  CHECK(diag.http_status() == std::optional<unsigned>(401));
  CHECK(*refreshes == 1);
  auto [ec2, diag2] = client.call(revive());
  INFO(diag2.to_string());
  CHECK_FALSE(ec2);
  CHECK(*refreshes == 1);
  auto requests = gate.requests();
  REQUIRE_FALSE(requests.empty());
  CHECK(requests.back().header("authorization") == "Bearer t2");
  CHECK(requests.back().admitted);
  CHECK(client->is_subscribed());  // the stream was never touched
}
