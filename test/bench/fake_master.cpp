#include "fake_master.hpp"

#include "recorded_offers.hpp"

#include <mesos_http/codec.hpp>
#include <mesos_http/recordio.hpp>

#include <mesos/v1/scheduler/scheduler.pb.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <pthread.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace mesos_http::bench {

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;
namespace sched = mesos::v1::scheduler;

constexpr std::string_view master_id = "9d9f1d3e-fef0-4c8a-aba2-c6794d7e16fc";
constexpr std::string_view framework_id = "9d9f1d3e-fef0-4c8a-aba2-c6794d7e16fc-0001";
constexpr std::string_view offer_marker = "-O000000000000";  // "-O" + 12 digits
constexpr std::size_t id_digits = 12;
constexpr std::size_t latency_ring = 1 << 16;

// One event as Mesos writes it: an HTTP chunk holding one RecordIO record.
std::string chunk_of(const codec& c, const sched::Event& event) {
  std::string record;
  diagnostics diag;
  if (c.encode(event, record, diag)) die("encode: " + diag.to_string());
  std::string body = recordio_encode(record);
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", body.size());
  return size + body + "\r\n";
}

// OFFERS events with a patchable offer id, for one content type.
struct offer_template {
  std::string chunk;          // one event
  std::size_t digits_at = 0;  // offset of the 12 id digits in `chunk`
};

offer_template make_offer_template(content_type type) {
  sched::Event event = fake_offers_event(type, 0);
  offer_template t;
  t.chunk = chunk_of(codec(type), event);
  auto at = t.chunk.find(offer_marker);
  if (at == std::string::npos || t.chunk.find(offer_marker, at + 1) != std::string::npos)
    die("offer id marker not found exactly once in the encoded OFFERS event");
  t.digits_at = at + 2;
  return t;
}

void put_digits(char* at, std::uint64_t n) {
  for (std::size_t i = id_digits; i-- > 0; n /= 10) at[i] = static_cast<char>('0' + n % 10);
}

bool iprefix(std::string_view line, std::string_view name) {
  if (line.size() < name.size()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(line[i])) != name[i]) return false;
  }
  return true;
}

std::string_view trim(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t' || v.back() == '\r'))
    v.remove_suffix(1);
  return v;
}

}  // namespace

struct fake_master::impl {
  struct connection;

  explicit impl(fake_master_config c)
      : config(c), acceptor(io), pace(io), heartbeat(io), sent_ns(latency_ring) {}

  void accept();
  void on_subscribe(const std::shared_ptr<connection>& conn, content_type type);
  void pump();
  void on_stream_written(const boost::system::error_code& ec);
  void on_decline_ids(std::uint64_t first_of_call, std::size_t count, std::int64_t now_ns);
  void maybe_finish();
  void write_event_chunk(const std::string& chunk);
  std::int64_t now_ns() const {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now() - epoch).count();
  }

  fake_master_config config;
  asio::io_context io;
  tcp::acceptor acceptor;
  asio::steady_timer pace;
  asio::steady_timer heartbeat;
  std::thread thread;
  clockid_t cpu_clock{};
  fake_master_stats stats;
  clock_type::time_point epoch = clock_type::now();

  std::vector<std::weak_ptr<connection>> connections;
  std::shared_ptr<connection> stream;  // the newest SUBSCRIBE
  content_type stream_type = content_type::protobuf;
  offer_template tmpl;
  std::string batch;    // `config.batch` copies of tmpl.chunk
  std::string control;  // a non-OFFERS write (headers, SUBSCRIBED, ...)
  bool writing = false;
  bool offers_stopped = false;  // stop_offers()
  bool error_sent = false;
  std::uint64_t sent = 0;          // OFFERS events of this subscription
  std::uint64_t next_decline = 0;  // the offer id expected next
  clock_type::time_point stream_start;
  std::vector<std::int64_t> sent_ns;  // write time by offer id % latency_ring
  mutable std::mutex latency_mutex;
  std::vector<double> latencies;
  std::atomic<bool> stop_offers_flag{false};
  std::uint64_t stream_counter = 0;
};

// One accepted connection: requests in, answers (or the event stream) out.
struct fake_master::impl::connection : std::enable_shared_from_this<connection> {
  connection(impl& m, tcp::socket s) : master(m), socket(std::move(s)) {}

  void read() {
    constexpr std::size_t room = 64 * 1024;
    if (in.size() - used < room) {
      // Move the partial request to the front; grow only for a huge one.
      std::memmove(in.data(), in.data() + consumed, used - consumed);
      used -= consumed;
      consumed = 0;
      if (in.size() - used < room) in.resize(std::max<std::size_t>(4 * room, used + room));
    }
    socket.async_read_some(
        asio::buffer(in.data() + used, in.size() - used),
        [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
          if (ec) return self->closed();
          self->used += n;
          self->parse();
          self->read();
        });
  }

  void closed() {
    boost::system::error_code ignored;
    socket.close(ignored);
    if (master.stream.get() == this) master.stream.reset();
  }

  // Every complete request in the buffer; one answer write for all of them.
  void parse() {
    std::size_t requests = 0;
    std::int64_t now = master.now_ns();
    while (true) {
      std::string_view rest(in.data() + consumed, used - consumed);
      auto end = rest.find("\r\n\r\n");
      if (end == std::string_view::npos) break;
      std::string_view head = rest.substr(0, end + 2);
      std::size_t length = 0;
      std::string_view type;
      for (std::size_t at = head.find("\r\n") + 2; at < head.size();) {
        auto eol = head.find("\r\n", at);
        std::string_view line = head.substr(at, eol - at);
        if (iprefix(line, "content-length:")) length = std::strtoul(line.data() + 15, nullptr, 10);
        if (iprefix(line, "content-type:")) type = trim(line.substr(13));
        at = eol + 2;
      }
      if (rest.size() < end + 4 + length) break;
      std::string_view body = rest.substr(end + 4, length);
      consumed += end + 4 + length;
      ++requests;
      handle(type, body, now);
    }
    if (requests == 0) return;
    auto& s = master.stats;
    s.call_reads.fetch_add(1, std::memory_order_relaxed);
    if (requests > s.max_requests_per_read.load(std::memory_order_relaxed))
      s.max_requests_per_read.store(requests, std::memory_order_relaxed);
    std::size_t bucket = 0;
    while ((std::size_t{2} << bucket) <= requests && bucket < 7) ++bucket;
    s.requests_per_read_log2[bucket].fetch_add(1, std::memory_order_relaxed);
    flush();
  }

  void handle(std::string_view type, std::string_view body, std::int64_t now) {
    auto& s = master.stats;
    const bool json = type == "application/json";
    if (!json && type != "application/x-protobuf") return answer_bad();
    if (json) {
      // The DECLINEs of a benchmark: read the ids from the text, cheaply.
      if (body.find("\"DECLINE\"") != std::string_view::npos) {
        s.requests.fetch_add(1, std::memory_order_relaxed);
        std::size_t count = 0;
        std::uint64_t first = 0;
        for (auto at = body.find("-O"); at != std::string_view::npos;
             at = body.find("-O", at + 2)) {
          if (body.size() < at + 2 + id_digits) break;
          std::uint64_t id =
              std::strtoull(std::string(body.substr(at + 2, id_digits)).c_str(), nullptr, 10);
          if (count++ == 0) first = id;
        }
        s.declines.fetch_add(1, std::memory_order_relaxed);
        master.on_decline_ids(first, count, now);
        return answer_accepted();
      }
      if (codec(content_type::json).decode(body, call, diag)) return answer_bad();
    } else if (!call.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
      return answer_bad();
    }
    if (call.type() == sched::Call::SUBSCRIBE) {
      return master.on_subscribe(shared_from_this(),
                                 json ? content_type::json : content_type::protobuf);
    }
    s.requests.fetch_add(1, std::memory_order_relaxed);
    if (call.type() == sched::Call::DECLINE) {
      s.declines.fetch_add(1, std::memory_order_relaxed);
      const auto& ids = call.decline().offer_ids();
      std::uint64_t first = 0;
      if (!ids.empty() && ids[0].value().size() >= id_digits) {
        first =
            std::strtoull(ids[0].value().c_str() + ids[0].value().size() - id_digits, nullptr, 10);
      }
      master.on_decline_ids(first, static_cast<std::size_t>(ids.size()), now);
    } else {
      s.other_calls.fetch_add(1, std::memory_order_relaxed);
    }
    answer_accepted();
  }

  void answer_accepted() { out.append("HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n"); }
  void answer_bad() {
    master.stats.bad_requests.fetch_add(1, std::memory_order_relaxed);
    out.append("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
  }

  void flush() {
    if (answering || out.empty()) return;
    answering = true;
    out_writing.swap(out);
    out.clear();
    asio::async_write(socket, asio::buffer(out_writing),
                      [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                        self->answering = false;
                        if (ec) return self->closed();
                        self->flush();
                      });
  }

  impl& master;
  tcp::socket socket;
  std::string in;
  std::size_t used = 0, consumed = 0;
  std::string out, out_writing;
  bool answering = false;
  sched::Call call;
  diagnostics diag;
};

void fake_master::impl::accept() {
  acceptor.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
    if (ec) return;
    socket.set_option(tcp::no_delay(true));
    auto conn = std::make_shared<connection>(*this, std::move(socket));
    connections.push_back(conn);
    conn->read();
    accept();
  });
}

void fake_master::impl::on_subscribe(const std::shared_ptr<connection>& conn, content_type type) {
  stats.subscriptions.fetch_add(1, std::memory_order_relaxed);
  if (stream && stream != conn) stream->closed();  // the old subscription is over
  stream = conn;
  stream_type = type;
  ++stream_counter;
  tmpl = make_offer_template(type);
  batch.clear();
  for (std::size_t i = 0; i < std::max<std::size_t>(1, config.batch); ++i) batch += tmpl.chunk;
  sent = 0;
  next_decline = 0;
  error_sent = false;
  writing = false;
  sched::Event subscribed;
  subscribed.set_type(sched::Event::SUBSCRIBED);
  subscribed.mutable_subscribed()->mutable_framework_id()->set_value(std::string(framework_id));
  subscribed.mutable_subscribed()->set_heartbeat_interval_seconds(15);
  subscribed.mutable_subscribed()->mutable_master_info()->set_id(std::string(master_id));
  subscribed.mutable_subscribed()->mutable_master_info()->set_ip(16777343);
  subscribed.mutable_subscribed()->mutable_master_info()->set_port(5050);
  char stream_id[64];
  std::snprintf(stream_id, sizeof stream_id, "a19eb786-1afc-4eab-a9d6-%012llu",
                static_cast<unsigned long long>(stream_counter));
  control = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nMesos-Stream-Id: ";
  control += stream_id;
  control += "\r\nContent-Type: ";
  control += media_type(type);
  control += "\r\n\r\n";
  write_event_chunk(chunk_of(codec(type), subscribed));
  stream_start = clock_type::now();
}

// A control event (SUBSCRIBED after the headers, HEARTBEAT, ERROR).
void fake_master::impl::write_event_chunk(const std::string& chunk) {
  if (!stream || writing) return;
  control += chunk;
  stats.events_written.fetch_add(1, std::memory_order_relaxed);
  writing = true;
  asio::async_write(stream->socket, asio::buffer(control),
                    [this, conn = stream](boost::system::error_code ec, std::size_t n) {
                      if (conn != stream) return;
                      stats.stream_bytes.fetch_add(n, std::memory_order_relaxed);
                      stats.stream_writes.fetch_add(1, std::memory_order_relaxed);
                      control.clear();
                      on_stream_written(ec);
                    });
}

void fake_master::impl::on_stream_written(const boost::system::error_code& ec) {
  writing = false;
  if (ec) {
    if (stream) stream->closed();
    return;
  }
  pump();
}

// Writes the next batch of OFFERS events, if the pace allows.
void fake_master::impl::pump() {
  if (!stream || writing) return;
  if (stop_offers_flag.load(std::memory_order_relaxed)) offers_stopped = true;
  std::uint64_t remaining = config.offers ? config.offers - sent : ~std::uint64_t{0};
  if (offers_stopped) remaining = 0;
  if (remaining == 0) {
    if (error_sent) return;
    heartbeat.expires_after(std::chrono::seconds(15));
    heartbeat.async_wait([this, conn = stream](boost::system::error_code ec) {
      if (ec || conn != stream || writing) return;
      sched::Event beat;
      beat.set_type(sched::Event::HEARTBEAT);
      write_event_chunk(chunk_of(codec(stream_type), beat));
    });
    return maybe_finish();
  }
  std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(config.batch, remaining));
  if (config.rate > 0) {
    double elapsed = std::chrono::duration<double>(clock_type::now() - stream_start).count();
    auto due = static_cast<std::uint64_t>(elapsed * config.rate);
    if (due <= sent) {
      auto next = stream_start + std::chrono::duration_cast<clock_type::duration>(
                                     std::chrono::duration<double>((sent + 1) / config.rate));
      pace.expires_at(next);
      pace.async_wait([this](boost::system::error_code ec) {
        if (!ec) pump();
      });
      return;
    }
    n = static_cast<std::size_t>(std::min<std::uint64_t>(n, due - sent));
  }
  const std::size_t size = tmpl.chunk.size();
  for (std::size_t i = 0; i < n; ++i) put_digits(&batch[i * size + tmpl.digits_at], sent + i);
  if (config.record_latency) {
    auto now = now_ns();
    for (std::size_t i = 0; i < n; ++i) sent_ns[(sent + i) % latency_ring] = now;
  }
  sent += n;
  stats.offers_written.fetch_add(n, std::memory_order_relaxed);
  stats.events_written.fetch_add(n, std::memory_order_relaxed);
  writing = true;
  asio::async_write(stream->socket, asio::buffer(batch.data(), n * size),
                    [this, conn = stream](boost::system::error_code ec, std::size_t bytes) {
                      if (conn != stream) return;
                      stats.stream_bytes.fetch_add(bytes, std::memory_order_relaxed);
                      stats.stream_writes.fetch_add(1, std::memory_order_relaxed);
                      on_stream_written(ec);
                    });
}

void fake_master::impl::on_decline_ids(std::uint64_t first, std::size_t count, std::int64_t now) {
  stats.declined_offers.fetch_add(count, std::memory_order_relaxed);
  for (std::size_t i = 0; i < count; ++i) {
    std::uint64_t id = first + i;
    if (id != next_decline) stats.out_of_order.fetch_add(1, std::memory_order_relaxed);
    next_decline = id + 1;
    if (config.record_latency && id < sent && sent - id < latency_ring) {
      double us = static_cast<double>(now - sent_ns[id % latency_ring]) / 1e3;
      std::lock_guard<std::mutex> lock(latency_mutex);
      latencies.push_back(us);
    }
  }
  maybe_finish();
}

void fake_master::impl::maybe_finish() {
  if (!config.error_when_done || error_sent || !stream || writing) return;
  if (config.offers == 0 || sent < config.offers || next_decline < config.offers) return;
  error_sent = true;
  // A little later, so that the answers to the last DECLINEs go out first.
  heartbeat.expires_after(std::chrono::milliseconds(200));
  heartbeat.async_wait([this, conn = stream](boost::system::error_code ec) {
    if (ec || conn != stream) return;
    sched::Event error;
    error.set_type(sched::Event::ERROR);
    error.mutable_error()->set_message(
        "Framework has been removed (fake master: all offers declined)");
    if (writing) return;  // cannot happen: no OFFERS are left to write
    write_event_chunk(chunk_of(codec(stream_type), error));
  });
}

sched::Event fake_offers_event(content_type type, std::uint64_t id) {
  auto recorded = load_recorded_offers(type);
  sched::Event event = recorded.events.front();
  auto* offer = event.mutable_offers()->mutable_offers(0);
  std::string value = std::string(master_id) + std::string(offer_marker);
  put_digits(&value[value.size() - id_digits], id);
  offer->mutable_id()->set_value(value);
  offer->mutable_framework_id()->set_value(std::string(framework_id));
  return event;
}

fake_master::fake_master(fake_master_config config) : impl_(std::make_unique<impl>(config)) {}

fake_master::~fake_master() { stop(); }

void fake_master::start() {
  auto& m = *impl_;
  tcp::endpoint at(asio::ip::make_address("127.0.0.1"), m.config.port);
  m.acceptor.open(at.protocol());
  m.acceptor.set_option(tcp::acceptor::reuse_address(true));
  m.acceptor.bind(at);
  m.acceptor.listen();
  if (m.config.record_latency) m.latencies.reserve(1 << 20);
  m.accept();
  m.thread = std::thread([&m] { m.io.run(); });
  pthread_setname_np(m.thread.native_handle(), "fake_master");  // for profilers
  if (pthread_getcpuclockid(m.thread.native_handle(), &m.cpu_clock) != 0)
    die("no thread CPU clock");
}

void fake_master::stop_offers() { impl_->stop_offers_flag.store(true); }

void fake_master::stop() {
  auto& m = *impl_;
  if (!m.thread.joinable()) return;
  asio::post(m.io, [&m] {
    boost::system::error_code ignored;
    m.acceptor.close(ignored);
    m.pace.cancel();
    m.heartbeat.cancel();
    for (auto& weak : m.connections) {
      if (auto c = weak.lock()) c->socket.close(ignored);
    }
    m.stream.reset();
    m.io.stop();
  });
  m.thread.join();
}

unsigned short fake_master::port() const { return impl_->acceptor.local_endpoint().port(); }
const fake_master_stats& fake_master::stats() const { return impl_->stats; }
clockid_t fake_master::cpu_clock() const { return impl_->cpu_clock; }

std::vector<double> fake_master::latencies_us() const {
  std::lock_guard<std::mutex> lock(impl_->latency_mutex);
  return impl_->latencies;
}

}  // namespace mesos_http::bench
