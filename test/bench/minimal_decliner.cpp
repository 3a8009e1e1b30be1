#include "minimal_decliner.hpp"

#include "recorded_offers.hpp"  // die()

#include <mesos/v1/scheduler/scheduler.pb.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

#include <array>
#include <functional>
#include <string>
#include <string_view>
#include <thread>

#include <pthread.h>

namespace mesos_http::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
namespace sched = mesos::v1::scheduler;

struct minimal_decliner::impl {
  explicit impl(unsigned short port) {
    tcp::endpoint at(asio::ip::make_address("127.0.0.1"), port);
    stream.connect(at);
    calls.connect(at);
    stream.set_option(tcp::no_delay(true));
    calls.set_option(tcp::no_delay(true));
    host = "127.0.0.1:" + std::to_string(port);
    subscribe();
    parser.body_limit(boost::none);
    parser.eager(true);  // every complete chunk of a read, not one per put
    on_chunk = [this](std::uint64_t, beast::string_view data, beast::error_code&) {
      records.append(data.data(), data.size());
      split_records();
      return data.size();
    };
    parser.on_chunk_body(on_chunk);
    http::async_read_header(stream, stream_buffer, parser,
                            [this](beast::error_code ec, std::size_t) {
                              if (ec || parser.get().result_int() != 200) return fail();
                              stream_id = std::string(parser.get()["Mesos-Stream-Id"]);
                              if (parse_buffered()) read_stream();
                            });
    read_answers();
    thread = std::thread([this] { io.run(); });
    pthread_setname_np(thread.native_handle(), "minimal");
    if (pthread_getcpuclockid(thread.native_handle(), &clock) != 0) die("no thread CPU clock");
  }

  ~impl() {
    io.stop();
    thread.join();
  }

  void subscribe() {
    sched::Call c;
    c.set_type(sched::Call::SUBSCRIBE);
    auto* info = c.mutable_subscribe()->mutable_framework_info();
    info->set_user("nobody");
    info->set_name("minimal_decliner");
    c.SerializeToString(&body);
    std::string request = "POST /api/v1/scheduler HTTP/1.1\r\nHost: " + host +
                          "\r\nContent-Type: application/x-protobuf\r\n"
                          "Accept: application/x-protobuf\r\nContent-Length: " +
                          std::to_string(body.size()) + "\r\n\r\n" + body;
    asio::write(stream, asio::buffer(request));
  }

  // Raw reads of up to 64 KiB, each handed to the parser until it needs more
  // (Beast's http::async_read_some completes once per chunk: far slower).
  void read_stream() {
    stream.async_read_some(stream_buffer.prepare(1 << 16),
                           [this](boost::system::error_code ec, std::size_t n) {
                             if (ec) return fail();
                             stream_buffer.commit(n);
                             if (parse_buffered()) read_stream();
                           });
  }

  bool parse_buffered() {
    while (stream_buffer.size() > 0) {
      beast::error_code ec;
      std::size_t used = parser.put(stream_buffer.data(), ec);
      stream_buffer.consume(used);
      if (ec == http::error::need_more || used == 0) break;
      if (ec) return fail(), false;
    }
    return true;
  }

  // RecordIO by hand: "<length>\n<bytes>", as many as are complete.
  void split_records() {
    std::size_t at = 0;
    while (true) {
      auto newline = records.find('\n', at);
      if (newline == std::string::npos) break;
      std::size_t length = 0;
      for (std::size_t i = at; i < newline; ++i) length = length * 10 + (records[i] - '0');
      if (records.size() - newline - 1 < length) break;
      on_event(records.data() + newline + 1, length);
      at = newline + 1 + length;
    }
    records.erase(0, at);
  }

  void on_event(const char* data, std::size_t size) {
    if (!event.ParseFromArray(data, static_cast<int>(size))) return fail();
    stats.events.fetch_add(1, std::memory_order_relaxed);
    if (event.type() == sched::Event::SUBSCRIBED) {
      *decline.mutable_framework_id() = event.subscribed().framework_id();
      decline.set_type(sched::Call::DECLINE);
      return;
    }
    if (event.type() != sched::Event::OFFERS) return;
    auto* ids = decline.mutable_decline()->mutable_offer_ids();
    ids->Clear();
    for (const auto& offer : event.offers().offers()) *ids->Add() = offer.id();
    stats.offers.fetch_add(static_cast<std::uint64_t>(event.offers().offers_size()),
                           std::memory_order_relaxed);
    decline.SerializeToString(&body);
    out.append("POST /api/v1/scheduler HTTP/1.1\r\nHost: ").append(host);
    out.append("\r\nContent-Type: application/x-protobuf\r\nMesos-Stream-Id: ").append(stream_id);
    out.append("\r\nContent-Length: ").append(std::to_string(body.size())).append("\r\n\r\n");
    out.append(body);
    stats.declines_sent.fetch_add(1, std::memory_order_relaxed);
    flush();
  }

  void flush() {
    if (write_busy || out.empty()) return;
    write_busy = true;
    writing.swap(out);
    out.clear();
    asio::async_write(calls, asio::buffer(writing),
                      [this](boost::system::error_code ec, std::size_t) {
                        if (ec) return fail();
                        write_busy = false;
                        flush();
                      });
  }

  // Answers are "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n": count
  // the blank lines that end them.
  void read_answers() {
    calls.async_read_some(asio::buffer(answers_in),
                          [this](boost::system::error_code ec, std::size_t n) {
                            if (ec) return fail();
                            static constexpr char end[] = "\r\n\r\n";
                            std::uint64_t count = 0;
                            for (std::size_t i = 0; i < n; ++i) {
                              char c = answers_in[i];
                              matched = c == end[matched] ? matched + 1 : (c == '\r' ? 1 : 0);
                              if (matched == 4) {
                                ++count;
                                matched = 0;
                              }
                            }
                            stats.answers.fetch_add(count, std::memory_order_relaxed);
                            read_answers();
                          });
  }

  void fail() { stats.failed.store(true); }

  asio::io_context io;
  tcp::socket stream{io}, calls{io};
  std::string host, stream_id;
  beast::flat_buffer stream_buffer;
  http::response_parser<http::string_body> parser;
  std::function<std::size_t(std::uint64_t, beast::string_view, beast::error_code&)> on_chunk;
  std::string records;
  sched::Event event;
  sched::Call decline;
  std::string body, out, writing;
  bool write_busy = false;
  std::array<char, 64 * 1024> answers_in{};
  int matched = 0;
  minimal_decliner_stats stats;
  std::thread thread;
  clockid_t clock{};
};

minimal_decliner::minimal_decliner(unsigned short port) : impl_(std::make_unique<impl>(port)) {}
minimal_decliner::~minimal_decliner() = default;
const minimal_decliner_stats& minimal_decliner::stats() const { return impl_->stats; }
clockid_t minimal_decliner::cpu_clock() const { return impl_->clock; }

}  // namespace mesos_http::bench
