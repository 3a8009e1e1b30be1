#include <mesos_http/codec.hpp>
#include <mesos_http/recordio.hpp>

#include "detail/json_mapping.hpp"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/message.h>

#include <climits>

namespace mesos_http {

namespace {

using google::protobuf::Message;

boost::system::error_code missing_required(const Message& message, diagnostics& diag) {
  diag.set_message(message.GetTypeName() +
                   " lacks required fields: " + message.InitializationErrorString());
  return make_error_code(error::missing_required_fields);
}

}  // namespace

boost::system::error_code codec::encode(const Message& message, std::string& out,
                                        diagnostics& diag) const {
  out.clear();
  return encode_append(message, out, diag);
}

boost::system::error_code codec::encode_append(const Message& message, std::string& out,
                                               diagnostics& diag) const {
  diag.clear();
  if (!message.IsInitialized()) return missing_required(message, diag);
  if (type_ == content_type::json) {
    detail::write_json(message, out);
    return {};
  }
  // Deterministic: map entries sorted by key, so equal messages always give
  // equal bytes (fixtures, caches and tests rely on it). Sized first, then
  // written into one flat array: a growing string stream costs several times
  // the serialization itself for small calls.
  bool written = false;
  const std::size_t start = out.size();
  const std::size_t size = message.ByteSizeLong();
  if (size <= static_cast<std::size_t>(INT_MAX)) {
    out.resize(start + size);
    google::protobuf::io::ArrayOutputStream array(out.data() + start, static_cast<int>(size));
    google::protobuf::io::CodedOutputStream coded(&array);
    coded.SetSerializationDeterministic(true);
    message.SerializeWithCachedSizes(&coded);
    written = !coded.HadError() && static_cast<std::size_t>(coded.ByteCount()) == size;
  }
  if (!written) {
    out.resize(start);
    diag.set_message(message.GetTypeName() + " could not be serialized");
    return make_error_code(error::encode_failed);
  }
  return {};
}

boost::system::error_code codec::encode_record(const Message& message, std::string& out,
                                               diagnostics& diag) const {
  std::string body;
  if (auto ec = encode(message, body, diag)) return ec;
  recordio_append(out, body);
  return {};
}

boost::system::error_code codec::decode(std::string_view bytes, Message& message,
                                        diagnostics& diag) const {
  diag.clear();
  message.Clear();
  if (type_ == content_type::json) {
    if (auto ec = detail::read_json(bytes, message, max_json_depth, diag)) {
      diag.set_message("invalid JSON " + message.GetTypeName() + ": " + diag.message());
      return ec;
    }
  } else {
    if (bytes.size() > static_cast<std::size_t>(INT_MAX) ||
        !message.ParsePartialFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
      diag.set_message("failed to parse " + std::to_string(bytes.size()) + " bytes as protobuf " +
                       message.GetTypeName());
      return make_error_code(error::malformed_protobuf);
    }
  }
  if (!message.IsInitialized()) return missing_required(message, diag);
  return {};
}

}  // namespace mesos_http
