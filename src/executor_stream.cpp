// The SUBSCRIBE connection of mesos_http::executor: carries out the executor
// machine's decisions and feeds it the stream's events.
#include "executor_impl.hpp"

#include "detail/http_request.hpp"
#include "detail/subscription_fsm.hpp"  // same_media_type

#include <mesos_http/error.hpp>

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/system/errc.hpp>

#include <algorithm>
#include <cctype>

namespace mesos_http {

namespace asio = boost::asio;
using detail::executor_decision;
using detail::executor_state;
using detail::executor_step;

namespace {

std::string ms_text(std::chrono::steady_clock::duration d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count()) + " ms";
}

}  // namespace

void executor::impl::apply(executor_decision d) {
  switch (d.next) {
    case executor_step::connect:
      end_connection();
      open_stream();
      break;
    case executor_step::stream:
      if (d.send_heartbeat && fsm->subscribed()) send_call(fsm->heartbeat_call(), {});
      break;
    case executor_step::wait:
      end_connection();
      note_failed_attempt(d.deadline);
      break;
    case executor_step::shutdown:
      end_connection();
      timer.cancel();
      timer_armed = false;
      finish_run();
      return;
  }
  publish();
  arm_timer(d.deadline);
}

executor_decision executor::impl::lose(const boost::system::error_code& ec,
                                       const std::string& detail, clock::time_point now) {
  failure = ec;
  failure_diag.clear();
  failure_diag.set_message(detail);
  return fsm->on_connection_lost(ec, detail, now);
}

executor_decision executor::impl::refused(unsigned status, const std::string& body,
                                          clock::time_point now) {
  failure = detail::error_for_status(status);
  failure_diag.clear();
  failure_diag.set_message("agent answered " + std::to_string(status) + " to SUBSCRIBE" +
                           (body.empty() ? "" : ": " + body.substr(0, 200)));
  failure_diag.set_http_status(status);
  failure_diag.set_body_excerpt(body);
  return fsm->on_response(status, body, now);
}

// Drops the stream and the call connection; an announced stream is
// reported to `disconnected` with why it ended.
void executor::impl::end_connection() {
  ++stream_generation;
  if (stream_conn) stream_conn->close();
  stream_conn.reset();
  reset_calls();
  if (!stream_announced) return;
  stream_announced = false;
  boost::system::error_code reason = failure;
  diagnostics diag = failure_diag;
  if (!reason) {
    reason = fsm->shut_down() ? fsm->shutdown_reason() : make_error_code(error::stream_ended);
    diag = fsm->shutdown_diagnostics();
  }
  {
    std::lock_guard<std::mutex> lock(state_mutex);
    ++counters.disconnections_by_reason[reason.message()];
  }
  callback([this, reason, diag] {
    if (handlers.disconnected) handlers.disconnected(reason, diag);
  });
}

// A lost subscription is logged once; a run of failed attempts at 1, 2, 4,
// 8, ...: a dead agent shows at the default level without flooding the log.
void executor::impl::note_failed_attempt(clock::time_point retry_at) {
  const detail::executor_counters c = fsm->counters();
  const std::uint64_t total = c.failed_attempts + c.disconnections;
  if (total == failures_seen) return;  // the timer woke early: nothing new
  const bool lost_subscription = c.disconnections > disconnections_seen;
  failures_seen = total;
  disconnections_seen = c.disconnections;
  ++failures_in_row;
  const std::string what =
      failure_diag.message().empty() ? failure.message() : failure_diag.message();
  const std::string delay = ms_text(retry_at - clock::now());
  if (lost_subscription) {
    failures_in_row = 0;  // the attempts after this loss count from 1
    log->log(log_level::warning, "lost the agent: " + what + "; resubscribing in " + delay);
    return;
  }
  if ((failures_in_row & (failures_in_row - 1)) != 0) return;
  log->log(log_level::warning, "attempt " + std::to_string(failures_in_row) +
                                   " to subscribe failed: " + what + "; retrying in " + delay);
}

void executor::impl::open_stream() {
  const std::uint64_t gen = ++stream_generation;
  failure = {};
  failure_diag.clear();
  auto conn = std::make_shared<io::transport>(strand, tls ? &*tls : nullptr, config.tls.verify_peer,
                                              config.domain_socket);
  stream_conn = conn;
  stream_parser.emplace(stream_head);
  stream_head_seen = false;
  stream_buffer.consume(stream_buffer.size());
  decoder.reset();

  const Call call = fsm->subscribe_call();
  subscribe_uuids.clear();
  for (const auto& u : call.subscribe().unacknowledged_updates()) {
    subscribe_uuids.push_back(u.status().uuid());
  }
  std::string body;
  diagnostics diag;
  if (auto ec = codec(config.content).encode(call, body, diag)) {
    // Not expected: updates are checked when made, tasks came decoded.
    asio::post(strand, [this, self = shared_from_this(), gen, ec, what = diag.message()] {
      if (gen == stream_generation)
        apply(lose(ec, "cannot encode SUBSCRIBE: " + what, clock::now()));
    });
    return;
  }
  stream_request.clear();
  detail::post_headers headers;
  headers.content = config.content;
  headers.accept = true;
  headers.authorization = authorization;
  headers.user_agent = "mesos-http/0.1";
  detail::append_post(stream_request, target, headers, body);
  count_call(Call::SUBSCRIBE);

  conn->async_connect(target, [this, self = shared_from_this(), gen, conn](
                                  boost::system::error_code ec, const std::string& what) {
    if (gen != stream_generation) return;
    if (ec) return apply(lose(ec, what, clock::now()));
    conn->async_write(
        asio::buffer(stream_request),
        [this, self, gen, conn](const boost::system::error_code& ec, std::size_t n) {
          if (gen != stream_generation) return;
          if (ec) {
            return apply(lose(ec, "cannot send SUBSCRIBE: " + ec.message(), clock::now()));
          }
          *bytes_out += n;
          read_stream();
        });
  });
}

void executor::impl::read_stream() {
  const std::uint64_t gen = stream_generation;
  auto conn = stream_conn;
  conn->async_read_some(
      stream_buffer.prepare(64 * 1024), [this, self = shared_from_this(), gen, conn](
                                            const boost::system::error_code& ec, std::size_t n) {
        if (gen != stream_generation) return;
        const auto now = clock::now();
        if (ec) {
          if (stream_head_seen) {
            const bool eof = ec == asio::error::eof;
            std::string what =
                eof ? "the agent closed the event stream" : "event stream failed: " + ec.message();
            if (!decoder.at_record_boundary()) what += " (in the middle of a record)";
            return apply(lose(eof ? make_error_code(error::stream_ended) : ec, what, now));
          }
          if (stream_parser->is_header_done() && stream_parser->head().status != 200) {
            // An error body delimited by the end of the connection.
            return apply(refused(stream_parser->head().status, stream_parser->head().body, now));
          }
          return apply(lose(ec, "no answer to SUBSCRIBE: " + ec.message(), now));
        }
        stream_buffer.commit(n);
        bytes_in.fetch_add(n, std::memory_order_relaxed);
        on_stream_bytes();
      });
}

// Feeds what arrived to the HTTP parser, whose body bytes go to the RecordIO
// decoder and, record by record, to the machine; stops at the first decision
// that is not "keep streaming".
void executor::impl::on_stream_bytes() {
  const auto now = clock::now();
  std::optional<executor_decision> verdict;
  executor_decision latest{executor_step::stream, clock::time_point::max()};
  stream_parser->stream_ok_body([&](std::string_view bytes) {
    executor_decision d = latest;
    if ((!stream_head_seen && !take_head(d, now)) || !take_body(bytes, d, now)) {
      verdict = d;
      return false;
    }
    latest = d;
    return true;
  });
  boost::beast::error_code pec;
  while (stream_buffer.size() > 0 && !verdict) {
    const std::size_t used = stream_parser->put(stream_buffer.data(), pec);
    stream_buffer.consume(used);
    if (pec == boost::beast::http::error::need_more) {
      pec = {};
      break;
    }
    if (pec || used == 0) break;
  }
  if (verdict) return apply(*verdict);
  if (pec) {
    return apply(lose(error::protocol_violation, "bad HTTP from the agent: " + pec.message(), now));
  }
  const auto& head = stream_parser->head();
  if (stream_parser->is_header_done() && head.status == 200 && !stream_head_seen) {
    executor_decision d = latest;
    if (!take_head(d, now)) return apply(d);
    latest = d;
  }
  if (stream_parser->is_done()) {
    if (!stream_head_seen) return apply(refused(head.status, head.body, now));
    return apply(lose(error::stream_ended, "the agent ended the event stream", now));
  }
  apply(latest);
  read_stream();
}

// The 200 head: the stream is open if it is in the type asked for.
bool executor::impl::take_head(executor_decision& d, clock::time_point now) {
  stream_head_seen = true;
  d = fsm->on_response(200, {}, now);
  if (d.next != executor_step::stream) return false;
  const std::string& type = stream_parser->head().content_type;
  if (!detail::same_media_type(type, config.content)) {
    d = lose(error::unexpected_content_type,
             "the agent answered SUBSCRIBE with Content-Type '" + type + "', not '" +
                 std::string(media_type(config.content)) + "'",
             now);
    return false;
  }
  stream_announced = true;
  callback([this] {
    if (handlers.connected) handlers.connected();
  });
  return true;
}

// Body bytes, split anywhere: complete records become events.
bool executor::impl::take_body(std::string_view bytes, executor_decision& d,
                               clock::time_point now) {
  while (!bytes.empty()) {
    boost::system::error_code ec;
    const std::size_t used = decoder.put(bytes, ec);
    if (ec) {
      diagnostics why;
      decoder.describe(why);
      d = lose(ec, "unreadable event stream: " + why.message(), now);
      return false;
    }
    bytes.remove_prefix(used);
    if (!decoder.has_record()) continue;
    diagnostics why;
    if (auto bad = events_codec.decode(decoder.record(), event, why)) {
      d = lose(bad, "undecodable event: " + why.message(), now);
      return false;
    }
    d = fsm->on_event(event, now);
    after_event(event, d);
    if (d.next != executor_step::stream) return false;
  }
  return true;
}

// What an accepted event changes beyond the machine, then its callbacks.
// An event the machine refused (a first event other than SUBSCRIBED) only
// counts; ERROR is shown even though it ends the run.
void executor::impl::after_event(const Event& e, const executor_decision& d) {
  count_event(e.type());
  if (d.next != executor_step::stream && e.type() != Event::ERROR) return;
  if (e.type() == Event::SUBSCRIBED && fsm->subscribed() &&
      (!calls || calls_generation != fsm->generation())) {
    failures_in_row = 0;
    open_calls();
    send_late_updates();
    log->log(log_level::info, "subscribed to the agent at " + target.to_string());
  }
  publish(e.type() == Event::SUBSCRIBED);
  deliver(e);
}

// One timer serves every deadline; it is only re-armed for an earlier one,
// and a timer that fires early just asks the machine again.
void executor::impl::arm_timer(clock::time_point deadline) {
  if (deadline == clock::time_point::max()) return;
  if (timer_armed && timer_deadline <= deadline) return;
  timer_armed = true;
  timer_deadline = deadline;
  timer.expires_at(deadline);
  timer.async_wait([this, self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec == asio::error::operation_aborted) return;
    timer_armed = false;
    if (!fsm || fsm->shut_down()) return;
    const executor_state before = fsm->state();
    const auto now = clock::now();
    executor_decision d = fsm->on_timer(now);
    if (before == executor_state::connecting && fsm->state() == executor_state::disconnected) {
      failure = make_error_code(boost::system::errc::timed_out);
      failure_diag.clear();
      failure_diag.set_message("no SUBSCRIBED from the agent within " +
                               ms_text(config.subscribe_timeout));
    }
    apply(d);
  });
}

}  // namespace mesos_http
