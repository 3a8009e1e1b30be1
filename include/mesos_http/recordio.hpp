// mesos-http: RecordIO framing, the envelope of every Mesos event stream.
//
// A RecordIO stream is a sequence of records, each written as its length in
// ASCII decimal, a line feed, then exactly that many bytes:
//
//     "20\n{\"type\":\"HEARTBEAT\"}"        (JSON heartbeat, 23 bytes)
//     "2\n\x08\x08"                        (protobuf heartbeat, 4 bytes)
//
// There is no separator after the data. Transport chunks (HTTP chunks, TCP
// reads, re-chunking proxies) have no relation to record boundaries, so the
// decoder below is incremental: any split of the same bytes yields the same
// records. It does no I/O and never throws on input.
//
// Strictness (deliberately stricter than Mesos's own decoder): the length line
// must be 1 to 20 ASCII digits and fit in 64 bits; anything else (a sign, a
// space, "\r", "0x10") is an error. A record longer than the configured maximum
// is refused as soon as its length line is complete, before any byte of it is
// buffered. Errors are sticky: once the decoder has failed it reports the same
// error for every later call until `reset()`.
//
// Thread safety: a decoder is a plain value; use one per stream, from one
// thread at a time.
#ifndef MESOS_HTTP_RECORDIO_HPP
#define MESOS_HTTP_RECORDIO_HPP

#include <mesos_http/diagnostics.hpp>
#include <mesos_http/error.hpp>

#include <boost/system/error_code.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mesos_http {

/// Incremental RecordIO decoder with a maximum record size.
///
/// Pull style: `put()` consumes input until one record is complete (or the
/// input runs out) and reports how many bytes it used; `record()` then views
/// the record. `feed()` wraps that loop for callers that want a callback per
/// record. A record that lies whole inside the caller's input is viewed in
/// place (no copy); only records split across inputs are buffered, and the
/// buffer never exceeds the maximum record size.
class recordio_decoder {
 public:
  /// Default maximum record size: 64 MiB.
  static constexpr std::size_t default_max_record_size = 64u * 1024u * 1024u;

  /// Longest accepted length line, in digits (2^64-1 has 20 digits).
  static constexpr std::size_t max_length_digits = 20;

  /// Creates a decoder that refuses records longer than `max_record_size`
  /// bytes.
  explicit recordio_decoder(
      std::size_t max_record_size = default_max_record_size) noexcept
      : max_record_size_(max_record_size) {}

  /// Consumes bytes of `input` up to the end of the next complete record.
  ///
  /// Returns the number of bytes consumed. When a record completed,
  /// `has_record()` is true and `record()` views it until the next call to
  /// `put`, `feed`, `finish` or `reset` (and, for an in-place record, while
  /// the caller's input stays alive). On a framing error `ec` is set, the
  /// return value counts the bytes before the offending one, and every later
  /// call fails with the same error.
  std::size_t put(std::string_view input, boost::system::error_code& ec);

  /// Decodes all of `input`, calling `on_record(std::string_view)` for each
  /// complete record in order. Returns the framing error, if any; records
  /// before the error have been delivered.
  template <class OnRecord>
  boost::system::error_code feed(std::string_view input, OnRecord&& on_record) {
    boost::system::error_code ec;
    while (!input.empty()) {
      std::size_t used = put(input, ec);
      if (ec) return ec;
      input.remove_prefix(used);
      if (has_record()) on_record(record());
    }
    return ec;
  }

  /// Declares the end of the stream. Fails with
  /// `error::recordio_truncated` if the stream stopped inside a record
  /// (including inside a length line); otherwise returns success.
  boost::system::error_code finish();

  /// True when the last `put` completed a record.
  bool has_record() const noexcept { return has_record_; }

  /// The record completed by the last `put` (empty view if none).
  std::string_view record() const noexcept { return record_; }

  /// Total bytes consumed so far; after an error, the offset of the byte
  /// that caused it.
  std::uint64_t offset() const noexcept { return offset_; }

  /// True when no record is partially decoded.
  bool at_record_boundary() const noexcept;

  /// Bytes currently held in the internal buffer (bounded by the maximum).
  std::size_t buffered() const noexcept { return buffer_.size(); }

  /// The maximum record size given at construction.
  std::size_t max_record_size() const noexcept { return max_record_size_; }

  /// The sticky error, if the decoder has failed.
  boost::system::error_code error() const noexcept { return error_; }

  /// Fills `diag` with a sentence describing the sticky error and its byte
  /// offset (does nothing useful if there is no error).
  void describe(diagnostics& diag) const;

  /// Returns to the initial state (keeps the maximum record size).
  void reset() noexcept;

 private:
  enum class state { length, data };

  std::size_t put_length(std::string_view input);
  std::size_t put_data(std::string_view input);
  std::size_t fail(mesos_http::error e, std::size_t consumed, std::string detail);
  void complete(std::string_view record) noexcept;

  std::size_t max_record_size_;
  state state_ = state::length;
  std::uint64_t length_ = 0;       // value of the length line so far
  std::size_t digits_ = 0;         // digits seen in the length line
  std::uint64_t offset_ = 0;       // bytes consumed over the whole stream
  std::string buffer_;             // a record split across inputs
  std::string_view record_;
  bool has_record_ = false;
  boost::system::error_code error_;
  std::string error_detail_;
};

/// Appends `record` to `out` as one RecordIO record ("<size>\n<record>").
void recordio_append(std::string& out, std::string_view record);

/// Returns `record` framed as one RecordIO record.
std::string recordio_encode(std::string_view record);

}  // namespace mesos_http

#endif  // MESOS_HTTP_RECORDIO_HPP
