// Recognising the answer to almost every call — "202 Accepted" with no body —
// without a general HTTP parser.
//
// A framework sends one call per offer it declines and per update it
// acknowledges, and each is answered by a few bytes of the same shape:
//
//   HTTP/1.1 202 Accepted\r\nDate: ...\r\nContent-Length: 0\r\n\r\n
//
// Checking that shape by hand costs a fraction of running Beast's parser on
// it. Anything else (another status, a body, chunking, "Connection: close",
// an answer not complete yet) is left to the full parser.
#ifndef MESOS_HTTP_DETAIL_ACCEPTED_ANSWER_HPP
#define MESOS_HTTP_DETAIL_ACCEPTED_ANSWER_HPP

#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>

namespace mesos_http::detail {

namespace accepted_answer_impl {

inline char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

inline bool same_letters(std::string_view a, std::string_view lowercase) {
  if (a.size() != lowercase.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lowercase[i]) return false;
  }
  return true;
}

// RFC 9110 token characters, the only ones a header name may hold. (Plain
// loops here and below: for strings this short, memchr's call costs more.)
inline bool is_token_char(char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
      return true;
    default:
      return false;
  }
}

inline std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Whether one header line (no CRLF) may stand in a bodiless 202 answer;
// counts its Content-Length.
inline bool header_allowed(std::string_view line, int& content_lengths) {
  std::size_t colon = 0;
  while (colon < line.size() && is_token_char(line[colon])) ++colon;
  if (colon == 0 || colon == line.size() || line[colon] != ':') return false;
  const std::string_view name = line.substr(0, colon);
  const std::string_view value = trimmed(line.substr(colon + 1));
  for (char c : value) {
    if (c == '\r') return false;
  }
  if (same_letters(name, "content-length")) return value == "0" && ++content_lengths == 1;
  if (same_letters(name, "transfer-encoding")) return false;
  if (same_letters(name, "connection")) return same_letters(value, "keep-alive");
  return true;
}

}  // namespace accepted_answer_impl

/// The length of the bodiless "202 Accepted" answer at the start of
/// `bytes` — status line `HTTP/1.1 202 <reason>`, exactly one
/// `Content-Length: 0`, no `Transfer-Encoding`, no `Connection` header other
/// than `keep-alive`, every line ended by CRLF and every header a token, a
/// colon and a value — or 0 when `bytes` does not start with a complete
/// answer of that shape. One pass: each line is found with one memchr.
inline std::size_t bodiless_accepted_length(std::string_view bytes) {
  using namespace accepted_answer_impl;
  constexpr std::string_view status = "HTTP/1.1 202 ";
  if (bytes.substr(0, status.size()) != status) return 0;
  const char* const data = bytes.data();
  std::size_t line_start = 0;
  bool status_line = true;
  int content_lengths = 0;
  for (;;) {
    const void* found = std::memchr(data + line_start, '\n', bytes.size() - line_start);
    if (!found) return 0;  // not complete yet
    const std::size_t lf = static_cast<std::size_t>(static_cast<const char*>(found) - data);
    if (lf == line_start || data[lf - 1] != '\r') return 0;  // a bare LF
    const std::string_view line(data + line_start, lf - 1 - line_start);
    line_start = lf + 1;
    if (status_line) {
      for (char c : line) {
        if (c == '\r') return 0;
      }
      status_line = false;
    } else if (line.empty()) {
      return content_lengths == 1 ? line_start : 0;
    } else if (!header_allowed(line, content_lengths)) {
      return 0;
    }
  }
}

/// `bodiless_accepted_length` with a memory of the last answer it took.
/// A master answers every call of a connection with the same bytes (a real
/// one changes only its `Date` once a second), so a buffer that starts with
/// exactly the previous complete answer is that answer again: one compare
/// instead of a pass over each line.
class accepted_answer_matcher {
 public:
  /// As `bodiless_accepted_length(bytes)`.
  std::size_t match(std::string_view bytes) {
    if (!last_.empty() && bytes.size() >= last_.size() &&
        std::memcmp(bytes.data(), last_.data(), last_.size()) == 0) {
      return last_.size();
    }
    const std::size_t n = bodiless_accepted_length(bytes);
    if (n != 0) last_.assign(bytes.data(), n);
    return n;
  }

 private:
  std::string last_;  // the last answer recognised, whole
};

}  // namespace mesos_http::detail

#endif  // MESOS_HTTP_DETAIL_ACCEPTED_ANSWER_HPP
