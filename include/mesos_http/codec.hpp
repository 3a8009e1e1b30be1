// mesos-http: encoding and decoding of Mesos messages.
//
// A `codec` turns a protobuf message (a scheduler or executor `Call`, an
// `Event`, or any other message of the Mesos schema) into the bytes of one
// content type and back. It does no I/O and no framing; pair it with
// <mesos_http/recordio.hpp> for event streams (or use `encode_record`).
//
// Protobuf (`application/x-protobuf`) is ordinary proto2 binary. Unknown
// fields and unknown enum values survive a decode/encode round trip, so a
// client reading a newer master loses nothing.
//
// JSON (`application/json`) follows Mesos's own mapping, not protobuf's
// canonical proto3 JSON (see docs/content-types.md):
//  * keys are the .proto field names (snake_case), in declaration order;
//  * enums are written by name; unknown names are ignored when reading
//    (for a required field that then reports `missing_required_fields`);
//  * `bytes` are standard base64 with padding (padding optional on input);
//  * integers of every width are bare JSON numbers, read without loss up to
//    64 bits; numeric strings are accepted on input;
//  * doubles use the shortest text that reads back exactly, integral values
//    keep a fraction ("15.0"), infinities are the strings "Infinity" and
//    "-Infinity";
//  * unset fields are omitted, except optional fields with an explicit
//    non-deprecated `[default = ...]`, which are written with that default;
//  * unknown keys are ignored when reading.
//
// Malformed input never throws and never crashes: the functions return an
// error code and fill `diagnostics` with what was wrong and where.
//
// Thread safety: a `codec` is immutable after construction; one object may be
// used from many threads at once.
#ifndef MESOS_HTTP_CODEC_HPP
#define MESOS_HTTP_CODEC_HPP

#include <mesos_http/content_type.hpp>
#include <mesos_http/diagnostics.hpp>
#include <mesos_http/error.hpp>

#include <boost/system/error_code.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace google::protobuf {
class Message;
}  // namespace google::protobuf

namespace mesos_http {

/// Encodes and decodes Mesos messages in one content type.
class codec {
 public:
  /// Deepest message nesting accepted when decoding JSON (protobuf's own
  /// parser applies the same limit to binary input).
  static constexpr std::size_t max_json_depth = 100;

  /// A codec for `type`.
  explicit constexpr codec(content_type type) noexcept : type_(type) {}

  /// The content type this codec reads and writes.
  constexpr content_type type() const noexcept { return type_; }

  /// The Content-Type header value for this codec's content type.
  constexpr std::string_view media_type() const noexcept { return mesos_http::media_type(type_); }

  /// Serializes `message` into `out` (replacing its content).
  ///
  /// Fails with `error::missing_required_fields` when the message lacks
  /// fields the schema requires (Mesos would refuse it), naming them in
  /// `diag`; with `error::encode_failed` if protobuf cannot serialize it.
  boost::system::error_code encode(const google::protobuf::Message& message, std::string& out,
                                   diagnostics& diag) const;

  /// Like `encode`, but appends the bytes to what `out` holds (which is
  /// left as it was on error).
  boost::system::error_code encode_append(const google::protobuf::Message& message,
                                          std::string& out, diagnostics& diag) const;

  /// Like `encode`, but appends the bytes to `out` as one RecordIO record.
  boost::system::error_code encode_record(const google::protobuf::Message& message,
                                          std::string& out, diagnostics& diag) const;

  /// Parses `bytes` into `message` (which is cleared first).
  ///
  /// Errors: `error::malformed_protobuf`, `error::malformed_json`,
  /// `error::json_schema_mismatch`, `error::missing_required_fields`. On
  /// error `message` holds whatever was parsed before the problem; `diag`
  /// says what went wrong (and, for JSON syntax errors, at which byte).
  boost::system::error_code decode(std::string_view bytes, google::protobuf::Message& message,
                                   diagnostics& diag) const;

 private:
  content_type type_;
};

}  // namespace mesos_http

#endif  // MESOS_HTTP_CODEC_HPP
