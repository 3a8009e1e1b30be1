#include <mesos_http/recordio.hpp>

#include <algorithm>
#include <limits>

namespace mesos_http {

namespace {

constexpr std::uint64_t max_u64 = std::numeric_limits<std::uint64_t>::max();

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

std::string printable(char c) {
  static const char hex[] = "0123456789abcdef";
  auto u = static_cast<unsigned char>(c);
  if (u >= 0x20 && u < 0x7f) return std::string("'") + c + "'";
  return std::string("0x") + hex[u >> 4] + hex[u & 15];
}

}  // namespace

std::size_t recordio_decoder::put(std::string_view input,
                                  boost::system::error_code& ec) {
  has_record_ = false;
  record_ = {};
  if (error_) {
    ec = error_;
    return 0;
  }
  // The previous record may have been assembled in the buffer; it has been
  // handed out, so the buffer can be reused (capacity is kept on purpose).
  if (state_ == state::length) buffer_.clear();

  std::size_t used = 0;
  while (used < input.size() && !has_record_ && !error_) {
    std::string_view rest = input.substr(used);
    used += state_ == state::length ? put_length(rest) : put_data(rest);
  }
  ec = error_;
  return used;
}

std::size_t recordio_decoder::put_length(std::string_view input) {
  std::size_t i = 0;
  for (; i < input.size(); ++i) {
    char c = input[i];
    if (c == '\n') break;
    if (!is_digit(c)) {
      return fail(error::recordio_invalid_length, i,
                  "record length line holds " + printable(c) +
                      ", expected an ASCII digit");
    }
    if (++digits_ > max_length_digits) {
      return fail(error::recordio_length_too_long, i,
                  "record length line is longer than 20 digits");
    }
    auto d = static_cast<std::uint64_t>(c - '0');
    if (length_ > (max_u64 - d) / 10) {
      return fail(error::recordio_length_overflow, i,
                  "record length does not fit in 64 bits");
    }
    length_ = length_ * 10 + d;
  }
  offset_ += i;
  if (i == input.size()) return i;  // length line continues in later input

  // input[i] is the line feed ending the length line.
  if (digits_ == 0) {
    return fail(error::recordio_empty_length, 0,
                "record length line is empty");
  }
  if (length_ > max_record_size_) {
    return fail(error::recordio_record_too_large, 0,
                "record length " + std::to_string(length_) +
                    " exceeds the maximum record size of " +
                    std::to_string(max_record_size_) + " bytes");
  }
  ++offset_;
  state_ = state::data;
  if (length_ == 0) complete({});
  return i + 1;
}

std::size_t recordio_decoder::put_data(std::string_view input) {
  auto length = static_cast<std::size_t>(length_);
  if (buffer_.empty() && input.size() >= length) {
    // Whole record in the caller's input: view it in place.
    offset_ += length;
    complete(input.substr(0, length));
    return length;
  }
  std::size_t take = std::min(input.size(), length - buffer_.size());
  buffer_.append(input.data(), take);
  offset_ += take;
  if (buffer_.size() == length) complete(buffer_);
  return take;
}

void recordio_decoder::complete(std::string_view record) noexcept {
  record_ = record;
  has_record_ = true;
  state_ = state::length;
  length_ = 0;
  digits_ = 0;
}

std::size_t recordio_decoder::fail(mesos_http::error e, std::size_t consumed,
                                   std::string detail) {
  offset_ += consumed;
  error_ = make_error_code(e);
  error_detail_ = std::move(detail);
  return consumed;
}

boost::system::error_code recordio_decoder::finish() {
  if (error_) return error_;
  if (!at_record_boundary()) {
    std::string where = state_ == state::length
                            ? "inside a record length line"
                            : "after " + std::to_string(buffer_.size()) +
                                  " of " + std::to_string(length_) +
                                  " record bytes";
    fail(error::recordio_truncated, 0, "stream ended " + where);
  }
  return error_;
}

bool recordio_decoder::at_record_boundary() const noexcept {
  return state_ == state::length && digits_ == 0;
}

void recordio_decoder::describe(diagnostics& diag) const {
  diag.clear();
  if (!error_) return;
  diag.set_message(error_detail_);
  diag.set_byte_offset(offset_);
}

void recordio_decoder::reset() noexcept {
  state_ = state::length;
  length_ = 0;
  digits_ = 0;
  offset_ = 0;
  buffer_.clear();
  record_ = {};
  has_record_ = false;
  error_ = {};
  error_detail_.clear();
}

void recordio_append(std::string& out, std::string_view record) {
  out += std::to_string(record.size());
  out += '\n';
  out.append(record.data(), record.size());
}

std::string recordio_encode(std::string_view record) {
  std::string out;
  out.reserve(record.size() + 21);
  recordio_append(out, record);
  return out;
}

}  // namespace mesos_http
