// Test support: a tiny, strict HTTP/1.1 message splitter for recorded wire
// data (the real-Mesos traces). NOT a general HTTP library: it takes the bytes
// of one TCP direction and cuts them into messages, nothing more.
//
// Rules (deliberately strict; anything else is reported as an error):
//  * every line ends with CRLF; a bare LF, a folded header line, a header
//    without ':' or with whitespace before the ':' is malformed;
//  * a start line is either "HTTP/1.x SP 3DIGIT SP reason" (a response) or
//    "METHOD SP target SP HTTP/1.x" (a request);
//  * body framing, in this order: responses with status 1xx/204/304 have no
//    body; `Transfer-Encoding: chunked` (the only coding accepted) is
//    de-chunked; `Content-Length` (digits only, repeated values must agree;
//    with Transfer-Encoding too is an error) gives the length; otherwise a
//    request has no body (RFC 9112 6.3) and a response's body runs to the end
//    of the data;
//  * data that ends inside a body (a cut connection: a killed master, an
//    executor that exited) is not an error: the message is returned with
//    `truncated` set and the body holds every body byte received (for a
//    chunked body, the data of the complete chunks plus that of the partial
//    last chunk). Data that ends inside the start line or headers is an error.
//
// Never throws on bad input and has no undefined behaviour on any input.
#ifndef MESOS_HTTP_TEST_SUPPORT_HTTP_MESSAGES_HPP
#define MESOS_HTTP_TEST_SUPPORT_HTTP_MESSAGES_HPP

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mesos_http::test {

struct http_header {
  std::string name;   // as sent
  std::string value;  // leading/trailing spaces and tabs removed
};

/// How the body of a message was delimited.
enum class body_framing {
  none,            // no body by rule (request without length, 204, 304, 1xx)
  content_length,  // Content-Length
  chunked,         // Transfer-Encoding: chunked
  until_eof,       // response without either header: to the end of the data
};

struct http_message {
  std::string start_line;            // without CRLF
  std::vector<http_header> headers;  // in order, duplicates kept
  std::string body;                  // de-chunked
  body_framing framing = body_framing::none;

  /// Chunked bodies: the size of every data chunk, in order, as announced by
  /// its size line (the terminating 0 chunk is not listed; a partial last
  /// chunk of a cut stream is listed with its announced size).
  std::vector<std::size_t> chunk_sizes;
  /// Chunked bodies: the terminating zero-size chunk (and the empty line
  /// after the trailers) was seen.
  bool chunked_terminated = false;
  /// The data ended before this message did (only possible for the last
  /// message; never set for `until_eof`, whose end is the end of the data).
  bool truncated = false;

  std::size_t begin = 0;  // offset of the start line in the split data
  std::size_t end = 0;    // offset one past the last byte of the message

  bool is_response() const;
  bool is_request() const { return !is_response(); }

  /// Response status code (e.g. 200), or -1 for a request.
  int status() const;
  /// Request method and target ("" for a response).
  std::string_view method() const;
  std::string_view target() const;

  /// Value of the first header named `name` (ASCII case-insensitive).
  std::optional<std::string_view> header(std::string_view name) const;
  /// Number of headers named `name` (ASCII case-insensitive).
  std::size_t header_count(std::string_view name) const;
};

struct split_result {
  std::vector<http_message> messages;  // complete ones, plus a truncated last
  std::string error;                   // empty on success
  std::size_t error_offset = 0;        // where the malformed data starts

  bool ok() const { return error.empty(); }
};

/// Splits the bytes of one TCP direction into HTTP/1.1 messages (see the
/// rules above). On malformed data, `error` says what and where; the
/// messages before the bad one are kept.
split_result split_http_messages(std::string_view data);

/// Reads a whole file as bytes; `std::nullopt` if it cannot be read.
std::optional<std::string> read_binary_file(const std::string& path);

/// ASCII case-insensitive equality (header names, tokens).
bool iequals(std::string_view a, std::string_view b);

}  // namespace mesos_http::test

#endif  // MESOS_HTTP_TEST_SUPPORT_HTTP_MESSAGES_HPP
