// Fuzz target: RecordIO framing plus the codec, as the client meets them on
// an event stream. Input layout:
//   byte 0: bit 0 = JSON (else protobuf), bit 1 = executor (else scheduler),
//           bits 2..7 = seed for how the stream is split into pieces
//   rest:   the stream bytes
// Properties checked beyond "no crash, no leak, no UB":
//   * splitting the stream differently yields the same records and error;
//   * a record that decodes re-encodes, and that encoding decodes to an
//     equivalent message (the codec's output is always acceptable input).
#include <mesos_http/codec.hpp>
#include <mesos_http/recordio.hpp>

#include <mesos/v1/executor/executor.pb.h>
#include <mesos/v1/scheduler/scheduler.pb.h>

#include <google/protobuf/util/field_comparator.h>
#include <google/protobuf/util/message_differencer.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

namespace {

constexpr std::size_t max_record = 1 << 20;  // keep single inputs cheap

struct outcome {
  std::vector<std::string> records;
  boost::system::error_code ec;
};

outcome decode_stream(std::string_view bytes, unsigned split_seed) {
  outcome out;
  mesos_http::recordio_decoder decoder(max_record);
  std::size_t step = split_seed == 0 ? bytes.size() + 1 : split_seed;
  while (!bytes.empty() && !out.ec) {
    std::string_view piece = bytes.substr(0, step);
    bytes.remove_prefix(piece.size());
    out.ec = decoder.feed(piece, [&](std::string_view r) { out.records.emplace_back(r); });
    step = step % 7 + 1;  // vary piece sizes: step, then 1..7
  }
  if (!out.ec) out.ec = decoder.finish();
  return out;
}

std::unique_ptr<google::protobuf::Message> new_event(bool executor) {
  if (executor) return std::make_unique<mesos::v1::executor::Event>();
  return std::make_unique<mesos::v1::scheduler::Event>();
}

void check_codec(const mesos_http::codec& codec, std::string_view record, bool executor) {
  auto message = new_event(executor);
  mesos_http::diagnostics diag;
  if (codec.decode(record, *message, diag)) return;
  std::string bytes;
  if (codec.encode(*message, bytes, diag)) std::abort();  // decoded => encodable
  auto again = new_event(executor);
  if (codec.decode(bytes, *again, diag)) std::abort();  // our output must read back
  // Equivalent: JSON writes explicit defaults; NaN (written as "NaN")
  // must compare equal to itself.
  google::protobuf::util::DefaultFieldComparator comparator;
  comparator.set_treat_nan_as_equal(true);
  google::protobuf::util::MessageDifferencer differencer;
  differencer.set_message_field_comparison(google::protobuf::util::MessageDifferencer::EQUIVALENT);
  differencer.set_field_comparator(&comparator);
  if (!differencer.Compare(*message, *again)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const bool json = data[0] & 1;
  const bool executor = data[0] & 2;
  const unsigned seed = data[0] >> 2;
  std::string_view stream(reinterpret_cast<const char*>(data + 1), size - 1);

  outcome whole = decode_stream(stream, 0);
  outcome split = decode_stream(stream, seed);
  if (whole.records != split.records || whole.ec != split.ec) std::abort();

  const mesos_http::codec codec(json ? mesos_http::content_type::json
                                     : mesos_http::content_type::protobuf);
  for (const auto& record : whole.records) check_codec(codec, record, executor);
  // The whole input as one body too (a call or event outside a stream).
  check_codec(codec, stream, executor);
  return 0;
}
