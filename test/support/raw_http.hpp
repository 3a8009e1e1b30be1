// A deliberately raw HTTP/1.1 client for tests against the simulator: it
// writes exactly the bytes it is given and reads responses and chunked event
// streams byte by byte, with a receive timeout so a broken server fails a
// test instead of hanging it. Not a general-purpose client.
#ifndef MESOS_HTTP_TEST_SUPPORT_RAW_HTTP_HPP
#define MESOS_HTTP_TEST_SUPPORT_RAW_HTTP_HPP

#include <mesos_http/content_type.hpp>
#include <mesos_http/recordio.hpp>

#include <mesos/v1/scheduler/scheduler.pb.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mesos_http::test {

/// A parsed HTTP response (body de-chunked when complete).
struct raw_response {
  unsigned status = 0;
  std::map<std::string, std::string> headers;  ///< names lower-cased
  std::string body;
  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

/// One TCP connection to a local server.
class raw_connection {
 public:
  explicit raw_connection(unsigned short port,
                          std::chrono::milliseconds timeout = std::chrono::seconds(10));

  /// Writes `bytes` as they are.
  void send(const std::string& bytes);

  /// Reads one complete response (Content-Length or chunked to the end).
  raw_response read_response();

  /// Reads only the status line and headers (for streams).
  raw_response read_header();

  /// Reads the next record of a chunked RecordIO stream whose header was
  /// read; nullopt when the stream ends (terminating chunk or EOF).
  std::optional<std::string> next_record();

  /// True once the server closed the connection.
  bool eof() const { return eof_; }

  /// Whether the stream ended with a terminating chunk.
  bool saw_last_chunk() const { return last_chunk_; }

  /// Bytes received but not consumed (e.g. an incomplete chunk at EOF).
  const std::string& unread() const { return in_; }

  /// The stream's RecordIO decoder (for its error after a bad stream).
  const recordio_decoder& decoder() const { return decoder_; }

 private:
  bool fill();  // reads more bytes into in_; false on EOF/timeout
  bool next_chunk(std::string& data);

  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
  std::string in_;
  bool eof_ = false;
  bool last_chunk_ = false;
  recordio_decoder decoder_;
  std::vector<std::string> pending_;
};

/// Builds a POST to /api/v1/scheduler with the given headers and body.
std::string scheduler_post(const std::string& body, std::optional<std::string> content_type,
                           const std::map<std::string, std::string>& extra = {},
                           const std::string& target = "/api/v1/scheduler");

/// Encodes `call` in `type` and builds the POST (Content-Type and Accept set).
std::string scheduler_call(const mesos::v1::scheduler::Call& call, content_type type,
                           const std::string& stream_id = "");

/// Decodes one event record in `type`; fails the current test on error.
mesos::v1::scheduler::Event decode_event(const std::string& record, content_type type);

}  // namespace mesos_http::test

#endif  // MESOS_HTTP_TEST_SUPPORT_RAW_HTTP_HPP
