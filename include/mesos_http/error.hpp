// mesos-http: error codes.
//
// Every failure the library reports is a `boost::system::error_code` whose
// category is `mesos_http::error_category()` (or a system/Asio category for
// plain network errors). Codes say what went wrong in a form a program can act
// on; `mesos_http::diagnostics` carries the details a code cannot (byte offset,
// HTTP status, a server message).
//
// Thread safety: everything here is stateless and safe from any thread.
#ifndef MESOS_HTTP_ERROR_HPP
#define MESOS_HTTP_ERROR_HPP

#include <boost/system/error_code.hpp>

#include <type_traits>

namespace mesos_http {

/// The error values of mesos-http. Zero is never used: a default-constructed
/// `error_code` means success.
enum class error {
  // --- RecordIO framing (see <mesos_http/recordio.hpp>) ---
  /// A record's length line was empty (a bare "\n" where digits were due).
  recordio_empty_length = 1,
  /// A record's length line held a byte that is not an ASCII digit.
  recordio_invalid_length,
  /// A record's length line was longer than 20 characters.
  recordio_length_too_long,
  /// A record's length does not fit in 64 bits.
  recordio_length_overflow,
  /// A record announced more bytes than the decoder's maximum record size.
  recordio_record_too_large,
  /// The stream ended inside a record (in its length line or its data).
  recordio_truncated,

  // --- Codec (see <mesos_http/codec.hpp>) ---
  /// A protobuf body could not be parsed as the expected message.
  malformed_protobuf,
  /// A JSON body is not valid JSON text.
  malformed_json,
  /// A JSON body is valid JSON but does not map onto the message (wrong value
  /// type for a field, bad base64, an enum given as a number, not an object...).
  json_schema_mismatch,
  /// A message lacks fields that the Mesos schema marks `required`.
  missing_required_fields,
  /// A content type other than application/json or application/x-protobuf.
  unsupported_content_type,
  /// A message could not be serialized (for example it exceeds 2 GiB).
  encode_failed,
};

/// The category of `mesos_http::error`; its name is "mesos_http".
const boost::system::error_category& error_category() noexcept;

/// Makes an `error_code` of the mesos_http category.
boost::system::error_code make_error_code(error e) noexcept;

}  // namespace mesos_http

namespace boost::system {
template <>
struct is_error_code_enum<mesos_http::error> : std::true_type {};
}  // namespace boost::system

#endif  // MESOS_HTTP_ERROR_HPP
