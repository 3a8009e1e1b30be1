#include "io/call_channel.hpp"

#include <mesos_http/error.hpp>

#include <boost/asio/buffer.hpp>

namespace mesos_http::io {

namespace asio = boost::asio;
using clock = std::chrono::steady_clock;

call_channel::call_channel(asio::any_io_executor strand, call_channel_settings settings)
    : strand_(std::move(strand)), settings_(std::move(settings)), timer_(strand_) {}

void call_channel::send(call_op_ptr op) {
  queue_.push_back(std::move(op));
  if (connected_) {
    write_queued();
  } else if (!connecting_) {
    connect();
  }
}

void call_channel::connect() {
  auto id = ++conn_id_;
  conn_ = std::make_shared<transport>(strand_, settings_.tls, settings_.verify_peer,
                                      settings_.local_path);
  connecting_ = true;
  conn_->async_connect(settings_.target, [this, self = shared_from_this(), id](
                                             boost::system::error_code ec, const std::string&) {
    if (id != conn_id_) return;
    connecting_ = false;
    if (ec) return fail_all(ec, false);
    connected_ = true;
    parser_.emplace(head_);
    read();
    write_queued();
  });
}

// Everything queued goes out in one write; answers are matched in order.
void call_channel::write_queued() {
  if (writing_ || queue_.empty() || !connected_) return;
  write_buffer_.clear();
  std::string stream_id = settings_.stream_id ? settings_.stream_id() : std::string();
  detail::post_headers headers;
  headers.content = settings_.content;
  headers.stream_id = stream_id;
  headers.authorization = settings_.authorization;
  headers.user_agent = settings_.user_agent;
  std::string host = settings_.target.host_header();
  headers.host = host;
  request_head_.clear();
  detail::append_post_head(request_head_, settings_.target, headers);
  while (!queue_.empty()) {
    write_buffer_.append(request_head_);
    detail::append_post_body(write_buffer_, queue_.front()->body);
    in_flight_.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  writing_ = true;
  arm_timer();
  conn_->async_write(asio::buffer(write_buffer_),
                     [this, self = shared_from_this(), id = conn_id_](
                         const boost::system::error_code& ec, std::size_t n) {
                       if (id != conn_id_) return;
                       writing_ = false;
                       if (ec) return fail_all(ec, true);
                       bytes_sent_ += n;
                       if (settings_.bytes_sent_total) *settings_.bytes_sent_total += n;
                       write_queued();
                     });
}

void call_channel::read() {
  auto buffers = read_buffer_.prepare(64 * 1024);
  conn_->async_read_some(buffers, [this, self = shared_from_this(), id = conn_id_](
                                      const boost::system::error_code& ec, std::size_t n) {
    if (id != conn_id_) return;
    if (ec) {
      // An idle keep-alive connection may be closed by the master; only
      // unanswered calls are hurt by that.
      return fail_all(ec == asio::error::eof ? make_error_code(error::stream_ended) : ec, true);
    }
    read_buffer_.commit(n);
    on_read(n);
  });
}

void call_channel::on_read(std::size_t) {
  auto id = conn_id_;
  while (read_buffer_.size() > 0) {
    if (!parser_->got_some()) {
      // The common answer, "202 Accepted" with no body, is checked by hand
      // (detail/accepted_answer.hpp, remembering the last one); the parser
      // stays fresh for the next.
      const std::string_view bytes(static_cast<const char*>(read_buffer_.data().data()),
                                   read_buffer_.size());
      if (const std::size_t n = accepted_.match(bytes)) {
        read_buffer_.consume(n);
        head_.content_type.clear();  // what the parser's constructor clears
        head_.location.clear();
        head_.stream_id.clear();
        head_.body.clear();
        head_.status = 202;
        on_answer(head_);
        if (id != conn_id_) return;
        continue;
      }
    }
    boost::beast::error_code ec;
    std::size_t used = parser_->put(read_buffer_.data(), ec);
    read_buffer_.consume(used);
    if (ec == boost::beast::http::error::need_more) break;
    if (ec) return fail_all(make_error_code(error::protocol_violation), true);
    if (!parser_->is_done()) {
      if (used == 0) break;
      continue;
    }
    const bool keep_alive = parser_->keep_alive();
    on_answer(head_);
    parser_.emplace(head_);      // after on_answer: it reads head_
    if (id != conn_id_) return;  // the answer closed or re-targeted the channel
    if (!keep_alive) return reopen();
  }
  // The answer timeout restarts once per read, not once per answer: reading
  // the clock was a visible part of a pipelined answer's cost.
  arm_timer();
  read();
}

void call_channel::finish(call_op_ptr op, const boost::system::error_code& ec,
                          const detail::http_response_head& head) {
  call_op* raw = op.get();
  raw->answered(std::move(op), ec, head);
}

void call_channel::on_answer(const detail::http_response_head& head) {
  if (in_flight_.empty()) return fail_all(make_error_code(error::protocol_violation), true);
  if (head.status == 307) return on_redirect(head.location);
  call_op_ptr done = std::move(in_flight_.front());
  in_flight_.pop_front();
  finish(std::move(done), {}, head);
}

void call_channel::on_redirect(const std::string& location) {
  boost::system::error_code ec;
  diagnostics diag;
  auto next = resolve_location(settings_.target, location, ec, diag);
  call_op& first = *in_flight_.front();
  if (!next || ++first.hops > settings_.max_redirects) {
    call_op_ptr failed = std::move(in_flight_.front());
    in_flight_.pop_front();
    detail::http_response_head head;
    head.status = 307;
    head.location = location;
    finish(std::move(failed), next ? make_error_code(error::too_many_redirects) : ec, head);
  }
  if (next) {
    settings_.target = *next;
    ++redirects_;
  }
  reopen();  // everything unanswered goes again, in order, to the new target
}

// The server said `Connection: close` (a proxy may): nothing more will be
// answered on this connection, and nothing written after that answer was
// processed, so the unanswered calls go out again on a new connection.
void call_channel::reopen() {
  while (!in_flight_.empty()) {
    queue_.push_front(std::move(in_flight_.back()));
    in_flight_.pop_back();
  }
  fail_all({}, true);
}

// Closes the connection; unanswered calls fail with `ec` (or, with an empty
// `ec`, stay queued); queued ones survive when `keep_queue`.
void call_channel::fail_all(const boost::system::error_code& ec, bool keep_queue) {
  ++conn_id_;
  if (conn_) conn_->close();
  connected_ = connecting_ = writing_ = false;
  read_buffer_.consume(read_buffer_.size());
  timer_.cancel();
  timer_armed_ = false;
  std::deque<call_op_ptr> failed;
  failed.swap(in_flight_);
  if (!keep_queue) {
    for (auto& e : queue_) failed.push_back(std::move(e));
    queue_.clear();
  }
  detail::http_response_head none;
  for (auto& e : failed) finish(std::move(e), ec ? ec : make_error_code(error::stream_ended), none);
  if (!queue_.empty() && !connecting_ && !connected_) connect();
}

void call_channel::close(const boost::system::error_code& reason) { fail_all(reason, false); }

// One timer per channel, re-armed lazily: progress only moves `deadline_`,
// and a timer that fires before the deadline just waits again. Re-arming on
// every answer would cost a cancel and a new wait per call.
void call_channel::arm_timer() {
  if (in_flight_.empty()) return;
  deadline_ = clock::now() + settings_.timeout;
  if (!timer_armed_) arm_timer_at(deadline_);
}

void call_channel::arm_timer_at(clock::time_point when) {
  timer_armed_ = true;
  timer_.expires_at(when);
  timer_.async_wait([this, self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec == asio::error::operation_aborted) return;  // fail_all() disarmed it
    timer_armed_ = false;
    if (in_flight_.empty()) return;
    if (clock::now() < deadline_) return arm_timer_at(deadline_);
    fail_all(make_error_code(boost::system::errc::timed_out), true);
  });
}

}  // namespace mesos_http::io
