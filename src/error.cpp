#include <mesos_http/error.hpp>

#include <string>

namespace mesos_http {

namespace {

class category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "mesos_http"; }

  std::string message(int value) const override {
    switch (static_cast<error>(value)) {
      case error::recordio_empty_length:
        return "RecordIO length line is empty";
      case error::recordio_invalid_length:
        return "RecordIO length line holds a non-digit";
      case error::recordio_length_too_long:
        return "RecordIO length line is longer than 20 characters";
      case error::recordio_length_overflow:
        return "RecordIO length does not fit in 64 bits";
      case error::recordio_record_too_large:
        return "RecordIO record exceeds the maximum record size";
      case error::recordio_truncated:
        return "stream ended inside a RecordIO record";
      case error::malformed_protobuf:
        return "body is not a valid protobuf message";
      case error::malformed_json:
        return "body is not valid JSON";
      case error::json_schema_mismatch:
        return "JSON does not match the message schema";
      case error::missing_required_fields:
        return "message lacks required fields";
      case error::unsupported_content_type:
        return "unsupported content type";
      case error::encode_failed:
        return "message could not be serialized";
      case error::invalid_url:
        return "not an absolute http:// or https:// URL";
      case error::too_many_redirects:
        return "too many redirects";
      case error::redirect_loop:
        return "redirect loop";
      case error::no_master_available:
        return "no master available";
      case error::bad_request:
        return "master answered 400 Bad Request";
      case error::unauthorized:
        return "master answered 401 Unauthorized";
      case error::forbidden:
        return "master answered 403 Forbidden";
      case error::service_unavailable:
        return "master answered 503 Service Unavailable";
      case error::unexpected_status:
        return "unexpected HTTP status";
      case error::unexpected_content_type:
        return "unexpected response content type";
      case error::missing_stream_id:
        return "SUBSCRIBE response lacks Mesos-Stream-Id";
      case error::not_subscribed:
        return "not subscribed";
      case error::heartbeat_timeout:
        return "no heartbeat within the expected interval";
      case error::stream_ended:
        return "event stream ended";
      case error::protocol_violation:
        return "master violated the protocol";
      case error::framework_error:
        return "Mesos sent an ERROR event";
      case error::stopped:
        return "stopped";
      case error::invalid_environment:
        return "executor environment variable missing or malformed";
      case error::agent_disconnected:
        return "lost the agent and checkpointing is off";
      case error::recovery_timeout:
        return "agent unreachable for longer than the recovery timeout";
      case error::executor_shutdown:
        return "agent asked the executor to shut down";
      case error::invalid_update:
        return "status update the agent would refuse";
    }
    return "unknown mesos_http error " + std::to_string(value);
  }
};

}  // namespace

const boost::system::error_category& error_category() noexcept {
  static const category instance;
  return instance;
}

boost::system::error_code make_error_code(error e) noexcept {
  return {static_cast<int>(e), error_category()};
}

}  // namespace mesos_http
