#include "sim/master_session.hpp"

#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>

#include <cstdio>
#include <ctime>

namespace mesos_http::sim::detail {

namespace http = boost::beast::http;

namespace {

const char* reason_phrase(unsigned status) {
  switch (status) {
    case 200:
      return "OK";
    case 202:
      return "Accepted";
    case 307:
      return "Temporary Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 413:
      return "Request Entity Too Large";
    case 415:
      return "Unsupported Media Type";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    default:
      return "Unknown";
  }
}

bool has_header(const http_answer& answer, std::string_view name) {
  for (const auto& [key, value] : answer.headers) {
    if (key.size() == name.size() &&
        std::equal(key.begin(), key.end(), name.begin(),
                   [](char a, char b) { return std::tolower(a) == std::tolower(b); }))
      return true;
  }
  return false;
}

std::string hex(std::size_t n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%zx", n);
  return buf;
}

}  // namespace

std::string http_date() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

std::string format_answer(const http_answer& answer) {
  std::string out = "HTTP/1.1 " + std::to_string(answer.status) + " " +
                    reason_phrase(answer.status) + "\r\nDate: " + http_date() + "\r\n";
  for (const auto& [key, value] : answer.headers) out += key + ": " + value + "\r\n";
  if (!answer.body.empty() && !has_header(answer, "Content-Type")) {
    out += "Content-Type: text/plain; charset=utf-8\r\n";
  }
  out += "Content-Length: " + std::to_string(answer.body.size()) + "\r\n\r\n";
  out += answer.body;
  return out;
}

session::session(tcp::socket socket, session_owner& owner, std::size_t max_body_size)
    : socket_(std::move(socket)), owner_(owner), max_body_size_(max_body_size) {}

void session::start() { read_request(); }

void session::read_request() {
  if (closed_) return;
  parser_.emplace();
  parser_->body_limit(max_body_size_);
  parser_->header_limit(64 * 1024);
  http::async_read(socket_, buffer_, *parser_,
                   [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                     if (self->closed_) return;
                     if (ec == http::error::body_limit) {
                       http_answer too_big{413, {}, "Request body exceeds the limit"};
                       self->answer(format_answer(too_big), true);
                       return;
                     }
                     if (ec &&
                         ec.category() == make_error_code(http::error::body_limit).category() &&
                         ec != http::error::end_of_stream && ec != http::error::partial_message) {
                       http_answer bad{400, {}, "Malformed HTTP request: " + ec.message()};
                       self->answer(format_answer(bad), true);
                       return;
                     }
                     if (ec) {  // closed, reset or cut mid-request: nothing to answer
                       self->close();
                       return;
                     }
                     self->owner_.on_request(self, self->parser_->release());
                   });
}

void session::answer(std::string bytes, bool close_after) {
  close_after_write_ = close_after_write_ || close_after;
  write(std::move(bytes));
  if (!close_after_write_) read_request();
}

void session::start_stream(const std::string& stream_id, std::string_view media_type,
                           const fault_settings& faults) {
  streaming_ = true;
  faults_ = faults;
  std::string header = "HTTP/1.1 200 OK\r\nDate: " + http_date() +
                       "\r\nTransfer-Encoding: chunked\r\nMesos-Stream-Id: " + stream_id +
                       "\r\nContent-Type: " + std::string(media_type) + "\r\n\r\n";
  write(std::move(header));
  watch_for_close();
}

// A streaming connection carries nothing more from the client; reading tells
// us when the client goes away.
void session::watch_for_close() {
  socket_.async_read_some(boost::asio::buffer(scratch_),
                          [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                            if (self->closed_) return;
                            if (ec) {
                              self->fail_stream();
                              return;
                            }
                            self->watch_for_close();
                          });
}

void session::send_record(const std::string& record) {
  if (closed_ || stream_ended_) return;
  if (!faults_.garbage.empty()) {
    write_chunks(faults_.garbage);
    faults_.garbage.clear();
  }
  write_chunks(record);
  ++events_sent_;
  if (faults_.cut_stream_after_events != 0 && events_sent_ >= faults_.cut_stream_after_events) {
    close_after_write_ = true;  // abrupt: no terminating chunk
    stream_ended_ = true;
  }
}

void session::write_chunks(std::string_view data) {
  std::size_t size = faults_.chunk_size == 0 ? data.size() : faults_.chunk_size;
  while (!data.empty() && !stream_ended_) {
    std::string_view part = data.substr(0, size);
    data.remove_prefix(part.size());
    std::string chunk = hex(part.size()) + "\r\n";
    chunk.append(part.data(), part.size());
    chunk += "\r\n";
    if (faults_.cut_stream_at_byte != 0 &&
        body_bytes_ + chunk.size() >= faults_.cut_stream_at_byte) {
      chunk.resize(static_cast<std::size_t>(faults_.cut_stream_at_byte - body_bytes_));
      stream_ended_ = true;
      close_after_write_ = true;
    }
    body_bytes_ += chunk.size();
    write(std::move(chunk));
  }
}

void session::end_stream() {
  if (closed_ || stream_ended_) return;
  stream_ended_ = true;
  close_after_write_ = true;
  write("0\r\n\r\n");
}

void session::write(std::string bytes) {
  if (closed_) return;
  queue_.push_back(std::move(bytes));
  if (!writing_) write_next();
}

void session::write_next() {
  if (queue_.empty()) {
    writing_ = false;
    if (close_after_write_) close();
    return;
  }
  writing_ = true;
  boost::asio::async_write(socket_, boost::asio::buffer(queue_.front()),
                           [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                             if (self->closed_) return;
                             self->queue_.pop_front();
                             if (ec) {
                               self->fail_stream();
                               return;
                             }
                             self->write_next();
                           });
}

void session::fail_stream() { close(); }

void session::close() {
  if (closed_) return;
  closed_ = true;
  if (heartbeat) heartbeat->cancel();
  boost::system::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  if (streaming_) owner_.on_stream_end(shared_from_this());
}

}  // namespace mesos_http::sim::detail
