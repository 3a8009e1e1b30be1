#include "support/raw_http.hpp"

#include <mesos_http/codec.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <sys/time.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace mesos_http::test {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

raw_connection::raw_connection(unsigned short port, std::chrono::milliseconds timeout)
    : socket_(io_) {
  socket_.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  timeval tv{};
  tv.tv_sec = static_cast<long>(timeout.count() / 1000);
  tv.tv_usec = static_cast<long>((timeout.count() % 1000) * 1000);
  ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

void raw_connection::send(const std::string& bytes) {
  boost::asio::write(socket_, boost::asio::buffer(bytes));
}

bool raw_connection::fill() {
  if (eof_) return false;
  char buf[16 * 1024];
  // recv(2) itself, not Asio's read_some: Asio waits again with poll(-1)
  // when SO_RCVTIMEO expires, so the timeout would never end a read.
  const ssize_t n = ::recv(socket_.native_handle(), buf, sizeof buf, 0);
  if (n <= 0) {
    eof_ = true;  // closed, reset or timed out: the caller sees no more data
    return false;
  }
  in_.append(buf, static_cast<std::size_t>(n));
  return true;
}

raw_response raw_connection::read_header() {
  std::size_t end;
  while ((end = in_.find("\r\n\r\n")) == std::string::npos) {
    if (!fill()) throw std::runtime_error("connection ended before a response header");
  }
  raw_response response;
  std::string head = in_.substr(0, end);
  in_.erase(0, end + 4);
  std::size_t line_end = head.find("\r\n");
  std::string status_line = head.substr(0, line_end);
  if (status_line.rfind("HTTP/1.1 ", 0) != 0)
    throw std::runtime_error("bad status line: " + status_line);
  response.status = static_cast<unsigned>(std::stoul(status_line.substr(9, 3)));
  std::size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    std::size_t next = head.find("\r\n", pos);
    if (next == std::string::npos) next = head.size();
    std::string line = head.substr(pos, next - pos);
    std::size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      response.headers[lower(line.substr(0, colon))] = value;
    }
    pos = next + 2;
  }
  return response;
}

// Reads one chunk's data; false at the terminating chunk or end of data.
bool raw_connection::next_chunk(std::string& data) {
  std::size_t line_end;
  while ((line_end = in_.find("\r\n")) == std::string::npos) {
    if (!fill()) return false;
  }
  std::size_t size = std::stoul(in_.substr(0, line_end), nullptr, 16);
  while (in_.size() < line_end + 2 + size + 2) {
    if (!fill()) return false;
  }
  data = in_.substr(line_end + 2, size);
  in_.erase(0, line_end + 2 + size + 2);
  if (size == 0) {
    last_chunk_ = true;
    return false;
  }
  return true;
}

raw_response raw_connection::read_response() {
  raw_response response = read_header();
  if (lower(response.header("transfer-encoding")) == "chunked") {
    std::string data;
    while (next_chunk(data)) response.body += data;
    return response;
  }
  std::size_t length = std::stoul(
      response.header("content-length").empty() ? "0" : response.header("content-length"));
  while (in_.size() < length) {
    if (!fill()) throw std::runtime_error("connection ended inside a response body");
  }
  response.body = in_.substr(0, length);
  in_.erase(0, length);
  return response;
}

std::optional<std::string> raw_connection::next_record() {
  while (pending_.empty()) {
    std::string data;
    if (!next_chunk(data)) return std::nullopt;
    auto ec = decoder_.feed(data, [&](std::string_view r) { pending_.emplace_back(r); });
    if (ec) return std::nullopt;
  }
  std::string record = std::move(pending_.front());
  pending_.erase(pending_.begin());
  return record;
}

std::string scheduler_post(const std::string& body, std::optional<std::string> content_type,
                           const std::map<std::string, std::string>& extra,
                           const std::string& target) {
  std::string out = "POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  if (content_type) out += "Content-Type: " + *content_type + "\r\n";
  for (const auto& [name, value] : extra) out += name + ": " + value + "\r\n";
  out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  return out;
}

std::string scheduler_call(const mesos::v1::scheduler::Call& call, content_type type,
                           const std::string& stream_id) {
  std::string body;
  diagnostics diag;
  if (auto ec = codec(type).encode(call, body, diag)) {
    FAIL("cannot encode call: " << diag.to_string());
  }
  std::map<std::string, std::string> extra{{"Accept", std::string(media_type(type))}};
  if (!stream_id.empty()) extra["Mesos-Stream-Id"] = stream_id;
  return scheduler_post(body, std::string(media_type(type)), extra);
}

mesos::v1::scheduler::Event decode_event(const std::string& record, content_type type) {
  mesos::v1::scheduler::Event event;
  diagnostics diag;
  auto ec = codec(type).decode(record, event, diag);
  INFO(diag.to_string());
  REQUIRE_FALSE(ec);
  return event;
}

}  // namespace mesos_http::test
