// The call connection against scripted servers: a 307 on a call is followed
// to the new master with the current stream id, and an answer with
// `Connection: close` does not lose the calls pipelined behind it.
#include "raw_master.hpp"
#include "scheduler_client_support.hpp"

#include <mesos_http/codec.hpp>
#include <mesos_http/recordio.hpp>
#include <mesos_http/scheduler_calls.hpp>

#include <future>
#include <sstream>

using namespace mesos_http;
using mesos_http::test::raw_master;
using mesos_http::test::recording_client;
namespace sched = mesos::v1::scheduler;

namespace {

// A 200 SUBSCRIBE answer holding a stream open after SUBSCRIBED.
std::string subscribed_answer(content_type content, const std::string& stream_id) {
  sched::Event event;
  event.set_type(sched::Event::SUBSCRIBED);
  event.mutable_subscribed()->mutable_framework_id()->set_value("fw-1");
  event.mutable_subscribed()->set_heartbeat_interval_seconds(15);
  std::string record;
  diagnostics diag;
  REQUIRE_FALSE(codec(content).encode_record(event, record, diag));
  std::ostringstream out;
  out << "HTTP/1.1 200 OK\r\nContent-Type: " << media_type(content)
      << "\r\nMesos-Stream-Id: " << stream_id << "\r\nTransfer-Encoding: chunked\r\n\r\n"
      << std::hex << record.size() << "\r\n"
      << record << "\r\n";
  return out.str();
}

const std::string accepted_answer = "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n";

bool has_header(const std::string& request, const std::string& line) {
  return request.find("\r\n" + line + "\r\n") != std::string::npos;
}

}  // namespace

TEST_CASE("a 307 on a call is followed with the current stream id", "[client][calls]") {
  auto content = GENERATE(content_type::protobuf, content_type::json);
  raw_master leader([](std::size_t, const std::string&) {
    return raw_master::reply{{accepted_answer}, false};
  });
  raw_master first([&](std::size_t index, const std::string&) {
    if (index == 0) return raw_master::reply{{subscribed_answer(content, "stream-1")}, false};
    // The call connection: this master lost leadership meanwhile.
    return raw_master::reply{{"HTTP/1.1 307 Temporary Redirect\r\nLocation: //127.0.0.1:" +
                              std::to_string(leader.port()) +
                              "/master/api/v1/scheduler\r\nContent-Length: 0\r\n\r\n"},
                             false};
  });
  recording_client client(test::client_config({first.url()}, content));
  REQUIRE(client.wait_events(sched::Event::SUBSCRIBED, 1));
  auto [ec, diag] = client.call(calls::revive());
  INFO(diag.to_string());
  CHECK_FALSE(ec);
  REQUIRE(leader.wait_requests(1));
  auto request = leader.log().at(0).request;
  CHECK(request.rfind("POST /master/api/v1/scheduler HTTP/1.1\r\n", 0) == 0);
  CHECK(has_header(request, "Mesos-Stream-Id: stream-1"));
  CHECK(has_header(request, "Host: 127.0.0.1:" + std::to_string(leader.port())));
}

TEST_CASE("calls behind an answer with Connection: close go out again", "[client][calls]") {
  auto content = GENERATE(content_type::protobuf, content_type::json);
  raw_master master([&](std::size_t index, const std::string&) {
    if (index == 0) return raw_master::reply{{subscribed_answer(content, "stream-1")}, false};
    return raw_master::reply{
        {"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"}, true};
  });
  recording_client client(test::client_config({master.url()}, content));
  REQUIRE(client.wait_events(sched::Event::SUBSCRIBED, 1));
  // Three calls at once: they are pipelined on one connection, and each
  // answer closes it, so every call needs its own connection in the end.
  std::vector<std::future<std::optional<std::pair<boost::system::error_code, diagnostics>>>> pending;
  for (int i = 0; i < 3; ++i) {
    pending.push_back(std::async(std::launch::async,
                               [&] { return client.call_from_any_thread(calls::revive()); }));
  }
  for (auto& f : pending) {
    auto result = f.get();
    REQUIRE(result);
    CHECK_FALSE(result->first);
  }
  CHECK(master.wait_requests(4));  // SUBSCRIBE + three calls, one per connection
}
