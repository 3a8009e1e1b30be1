// The SUBSCRIBE connection: executes the subscription machine's decisions.
#include "scheduler_impl.hpp"

#include <mesos_http/error.hpp>

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/beast/http/error.hpp>

namespace mesos_http {

namespace asio = boost::asio;
using detail::step;

void scheduler::impl::apply(detail::decision d) {
  switch (d.next) {
    case step::connect:
      close_stream();
      open_stream();
      break;
    case step::stream:
      break;
    case step::wait:
      close_stream();
      reset_calls(make_error_code(error::not_subscribed));
      note_failed_attempt(d.deadline);
      break;
    case step::stop:
      close_stream();
      reset_calls(make_error_code(error::not_subscribed));
      timer.cancel();
      publish_notices();
      finish_run();
      return;
  }
  publish_notices();
  arm_timer(d.deadline);
}

// A failing master (bad CA, refused connection, 503s) must show up in the
// log at the default level, without flooding it: attempts 1, 2, 4, 8, ...
// of a run of failures are logged.
void scheduler::impl::note_failed_attempt(clock::time_point retry_at) {
  ++failed_attempts;
  auto delay = std::chrono::duration_cast<std::chrono::milliseconds>(retry_at - clock::now());
  if (fsm->last_failure_ended_stream()) {
    // One line for a lost stream (the `disconnected` notice is not logged).
    log->log(log_level::warning, "disconnected: " + fsm->final_diagnostics().message() +
                                     "; resubscribing in " + std::to_string(delay.count()) + " ms");
    return;
  }
  if ((failed_attempts & (failed_attempts - 1)) != 0) return;
  log->log(log_level::warning, "attempt " + std::to_string(failed_attempts) +
                                   " failed: " + fsm->final_diagnostics().message() +
                                   "; retrying in " + std::to_string(delay.count()) + " ms");
}

void scheduler::impl::open_stream() {
  // After a 401 with a refresh hook, ask for a new token before retrying.
  if (fsm->credentials_stale() && config.auth && config.auth->refresh_token) {
    config.auth->bearer_token = config.auth->refresh_token();
    fsm->set_authorization("Bearer " + config.auth->bearer_token);
    log->log(log_level::info, "bearer token refreshed after 401");
  }
  stream_generation = fsm->generation();
  auto conn =
      std::make_shared<io::transport>(strand, tls ? &*tls : nullptr, config.tls.verify_peer);
  stream_conn = conn;
  stream_parser.emplace(stream_head);
  stream_head_seen = false;
  stream_buffer.consume(stream_buffer.size());
  stream_request = fsm->request();
  log->log(log_level::debug, "subscribing at " + fsm->target().to_string());
  auto gen = stream_generation;
  conn->async_connect(fsm->target(), [this, self = shared_from_this(), gen, conn](
                                         boost::system::error_code ec, const std::string& what) {
    if (gen != stream_generation) return;
    if (ec) return apply(fsm->on_connect_failed(ec, what, clock::now()));
    conn->async_write(asio::buffer(stream_request),
                      [this, self, gen, conn](const boost::system::error_code& ec, std::size_t n) {
                        if (gen != stream_generation) return;
                        if (ec) {
                          return apply(fsm->on_connect_failed(
                              ec, "cannot send SUBSCRIBE: " + ec.message(), clock::now()));
                        }
                        *bytes_out += n;
                        read_stream();
                      });
  });
}

void scheduler::impl::read_stream() {
  auto gen = stream_generation;
  auto conn = stream_conn;
  conn->async_read_some(
      stream_buffer.prepare(64 * 1024), [this, self = shared_from_this(), gen, conn](
                                            const boost::system::error_code& ec, std::size_t n) {
        if (gen != stream_generation) return;
        auto now = clock::now();
        if (ec) {
          if (stream_head_seen) {
            return apply(
                fsm->on_stream_end(ec == asio::error::eof ? boost::system::error_code() : ec, now));
          }
          if (stream_parser->is_header_done() && stream_parser->head().status != 200) {
            stream_head_seen = true;  // a body delimited by the connection's end
            return apply(fsm->on_response(stream_parser->head(), now));
          }
          return apply(fsm->on_connect_failed(ec, "no answer to SUBSCRIBE: " + ec.message(), now));
        }
        stream_buffer.commit(n);
        last_byte.store(now.time_since_epoch().count(), std::memory_order_relaxed);
        bytes_in.fetch_add(n, std::memory_order_relaxed);
        on_stream_bytes(n);
      });
}

// Feeds what arrived to the HTTP parser, whose body bytes go straight into
// the machine; stops at the first decision that is not "keep streaming".
void scheduler::impl::on_stream_bytes(std::size_t) {
  auto now = clock::now();
  std::optional<detail::decision> verdict;
  detail::decision latest{step::stream, clock::time_point::max()};
  auto take_head = [&]() -> bool {
    stream_head_seen = true;
    auto d = fsm->on_response(stream_parser->head(), now);
    if (d.next != step::stream) verdict = d;
    latest = d;
    return !verdict;
  };
  stream_parser->stream_ok_body([&](std::string_view bytes) {
    if (!stream_head_seen && !take_head()) return false;
    auto d = fsm->on_body(bytes, now);
    if (d.next != step::stream) verdict = d;
    latest = d;
    return !verdict;
  });
  boost::beast::error_code pec;
  while (stream_buffer.size() > 0 && !verdict) {
    std::size_t used = stream_parser->put(stream_buffer.data(), pec);
    stream_buffer.consume(used);
    if (pec == boost::beast::http::error::need_more) {
      pec = {};
      break;
    }
    if (pec || used == 0) break;
  }
  if (verdict) return apply(*verdict);
  if (pec) {
    auto ec = make_error_code(error::protocol_violation);
    std::string what = "bad HTTP from " + fsm->target().to_string() + ": " + pec.message();
    return apply(stream_head_seen ? fsm->reconnect(ec, what, now)
                                  : fsm->on_connect_failed(ec, what, now));
  }
  const bool ok = stream_parser->is_header_done() && stream_parser->head().status == 200;
  if (ok && !stream_head_seen && !take_head()) return apply(*verdict);
  if (stream_parser->is_done()) {
    if (!stream_head_seen) {
      stream_head_seen = true;
      return apply(fsm->on_response(stream_parser->head(), now));
    }
    return apply(fsm->on_stream_end({}, now));
  }
  apply(latest);
  read_stream();
}

void scheduler::impl::close_stream() {
  ++stream_generation;
  if (stream_conn) stream_conn->close();
  stream_conn.reset();
}

// One timer serves every deadline. Deadlines mostly move later (each byte
// pushes the heartbeat bound), so the timer is only re-armed when a deadline
// is earlier than the armed one; a timer that fires early just asks the
// machine again.
void scheduler::impl::arm_timer(clock::time_point deadline) {
  if (deadline == clock::time_point::max()) return;
  if (timer_armed && timer_deadline <= deadline) return;
  timer_armed = true;
  timer_deadline = deadline;
  timer.expires_at(deadline);
  timer.async_wait([this, self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec == asio::error::operation_aborted) return;
    timer_armed = false;
    if (!fsm || fsm->stopped()) return;
    apply(fsm->on_timer(clock::now()));
  });
}

}  // namespace mesos_http
