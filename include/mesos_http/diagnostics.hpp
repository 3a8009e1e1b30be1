// mesos-http: diagnostics that accompany an error code.
//
// An `error_code` says *what* failed; a `diagnostics` object says the rest:
// a human-readable explanation, where in the input it happened, and (for HTTP
// failures, in later layers) what the server answered. Operations that can
// fail take a `diagnostics&` next to their `error_code` and clear it first, so
// after a success it is empty.
//
// Thread safety: a `diagnostics` object is a plain value; do not share one
// between threads without synchronisation.
#ifndef MESOS_HTTP_DIAGNOSTICS_HPP
#define MESOS_HTTP_DIAGNOSTICS_HPP

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mesos_http {

/// Details about the last failure of an operation.
class diagnostics {
 public:
  /// Longest server body excerpt kept, in bytes; longer bodies are cut.
  static constexpr std::size_t max_excerpt = 512;

  /// A one-line explanation for people ("record length 99999999999 exceeds
  /// the maximum of 67108864 bytes"). Empty when nothing failed.
  const std::string& message() const noexcept { return message_; }

  /// Byte offset into the decoded input at which the problem was found, when
  /// the failure concerns a byte stream.
  std::optional<std::uint64_t> byte_offset() const noexcept { return offset_; }

  /// HTTP status the server answered, when the failure is an HTTP response.
  std::optional<unsigned> http_status() const noexcept { return status_; }

  /// The start of the server's response body (at most `max_excerpt` bytes).
  const std::string& body_excerpt() const noexcept { return body_; }

  /// Forgets everything; `message()` becomes empty.
  void clear() noexcept {
    message_.clear();
    body_.clear();
    offset_.reset();
    status_.reset();
  }

  /// True when nothing has been recorded.
  bool empty() const noexcept;

  // --- Used by the library to fill the object. ---
  void set_message(std::string text) { message_ = std::move(text); }
  void set_byte_offset(std::uint64_t offset) noexcept { offset_ = offset; }
  void set_http_status(unsigned status) noexcept { status_ = status; }
  /// Keeps at most `max_excerpt` bytes of `body`.
  void set_body_excerpt(std::string_view body);

  /// `message()` followed by the offset and status when known, e.g.
  /// "invalid JSON: ... (at byte 12)".
  std::string to_string() const;

 private:
  std::string message_;
  std::string body_;
  std::optional<std::uint64_t> offset_;
  std::optional<unsigned> status_;
};

}  // namespace mesos_http

#endif  // MESOS_HTTP_DIAGNOSTICS_HPP
