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

  // --- Endpoints and redirects (see <mesos_http/url.hpp>) ---
  /// A URL is not an absolute `http://` or `https://` URL with a host.
  invalid_url,
  /// More 307 redirects in a row than the configured hop limit.
  too_many_redirects,
  /// A redirect pointed back to a master already visited in this chain.
  redirect_loop,
  /// No master answered: every configured URL failed or had no leader.
  no_master_available,

  // --- HTTP answers from Mesos (the status is in the diagnostics) ---
  /// 400 Bad Request: Mesos rejected the call as malformed or invalid.
  bad_request,
  /// 401 Unauthorized: credentials are missing or wrong.
  unauthorized,
  /// 403 Forbidden: the principal may not do this, or the framework is not
  /// subscribed (Mesos answers 403 to calls after the subscription ended).
  forbidden,
  /// 503 Service Unavailable: the master is not the leader yet or is
  /// recovering.
  service_unavailable,
  /// An HTTP status the protocol does not define for this request.
  unexpected_status,
  /// The response's `Content-Type` is not the one that was asked for.
  unexpected_content_type,
  /// The SUBSCRIBE response lacked the `Mesos-Stream-Id` header.
  missing_stream_id,

  // --- Subscription life cycle (see <mesos_http/scheduler.hpp>) ---
  /// A call was made while there is no subscription.
  not_subscribed,
  /// No byte arrived on the event stream within the heartbeat bound.
  heartbeat_timeout,
  /// The master closed the event stream.
  stream_ended,
  /// The first event on a stream was not SUBSCRIBED.
  protocol_violation,
  /// Mesos sent an ERROR event (the text is in the diagnostics); the
  /// framework was removed or failed over and must not resubscribe.
  framework_error,
  /// The connection was stopped by the user.
  stopped,

  // --- Executor (see <mesos_http/executor_config.hpp>) ---
  /// A variable of the environment the agent gives an executor is missing or
  /// malformed (the diagnostics name the variable and the value).
  invalid_environment,
  /// The connection to the agent ended while checkpointing is off: the
  /// executor must not wait for the agent to come back.
  agent_disconnected,
  /// The agent stayed unreachable for longer than the recovery timeout
  /// (checkpointing on), or no subscription succeeded within the
  /// registration timeout at startup.
  recovery_timeout,
  /// The agent sent SHUTDOWN: kill the tasks, send their terminal updates
  /// and exit within the shutdown grace period.
  executor_shutdown,
  /// A status update the agent would refuse (no task id, TASK_STAGING, a
  /// uuid that is not 16 bytes).
  invalid_update,
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
