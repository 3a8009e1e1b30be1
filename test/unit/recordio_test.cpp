// RecordIO framing: byte-exact encoding, every split of the input, every
// framing error with its offset, bounded buffering.
#include <mesos_http/recordio.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using mesos_http::error;
using mesos_http::recordio_decoder;

namespace {

// Feeds `pieces` in order; returns the records (copied) and the final error.
struct decoded {
  std::vector<std::string> records;
  boost::system::error_code ec;
  std::uint64_t offset = 0;
};

decoded decode_pieces(const std::vector<std::string>& pieces,
                      std::size_t max = recordio_decoder::default_max_record_size) {
  recordio_decoder decoder(max);
  decoded out;
  for (const auto& piece : pieces) {
    out.ec = decoder.feed(piece, [&](std::string_view r) { out.records.emplace_back(r); });
    if (out.ec) break;
  }
  if (!out.ec) out.ec = decoder.finish();
  out.offset = decoder.offset();
  return out;
}

decoded decode_all(const std::string& bytes, std::size_t max = recordio_decoder::default_max_record_size) {
  return decode_pieces({bytes}, max);
}

// A stream with an empty record, a one-byte record, binary data (LF inside
// data, NUL bytes) and records whose lengths have several digits.
std::vector<std::string> fixture_records() {
  return {
      R"({"type":"HEARTBEAT"})",
      std::string("\x08\x08", 2),
      "",
      "x",
      std::string("\n\n0\n12\n\0\r", 9),
      std::string(1234, 'a'),
      R"({"type":"SUBSCRIBED","subscribed":{"framework_id":{"value":"f-0000"}}})",
  };
}

std::string fixture_stream() {
  std::string out;
  for (const auto& r : fixture_records()) mesos_http::recordio_append(out, r);
  return out;
}

}  // namespace

TEST_CASE("recordio encodes the worked examples byte for byte", "[recordio]") {
  // JSON HEARTBEAT: "20" LF + 20 bytes of JSON.
  CHECK(mesos_http::recordio_encode(R"({"type":"HEARTBEAT"})") == "20\n{\"type\":\"HEARTBEAT\"}");
  // Protobuf HEARTBEAT: Event{type: 8} is 08 08.
  CHECK(mesos_http::recordio_encode(std::string("\x08\x08", 2)) == std::string("2\n\x08\x08", 4));
  CHECK(mesos_http::recordio_encode("") == "0\n");
  std::string appended = "prefix";
  mesos_http::recordio_append(appended, "abc");
  CHECK(appended == "prefix3\nabc");
}

TEST_CASE("recordio decodes a whole stream in one piece", "[recordio]") {
  auto out = decode_all(fixture_stream());
  REQUIRE_FALSE(out.ec);
  CHECK(out.records == fixture_records());
  CHECK(out.offset == fixture_stream().size());
}

TEST_CASE("recordio yields the same records for every two-way split", "[recordio]") {
  const std::string stream = fixture_stream();
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    auto out = decode_pieces({stream.substr(0, cut), stream.substr(cut)});
    INFO("split at " << cut);
    REQUIRE_FALSE(out.ec);
    REQUIRE(out.records == fixture_records());
  }
}

TEST_CASE("recordio yields the same records for every three-way split", "[recordio]") {
  std::string stream;
  for (const char* r : {"abc", "", "0123456789", "{\"a\":1}"}) mesos_http::recordio_append(stream, r);
  const std::vector<std::string> expected = {"abc", "", "0123456789", "{\"a\":1}"};
  for (std::size_t i = 0; i <= stream.size(); ++i) {
    for (std::size_t j = i; j <= stream.size(); ++j) {
      auto out = decode_pieces({stream.substr(0, i), stream.substr(i, j - i), stream.substr(j)});
      INFO("splits at " << i << " and " << j);
      REQUIRE_FALSE(out.ec);
      REQUIRE(out.records == expected);
    }
  }
}

TEST_CASE("recordio yields the same records fed one byte at a time", "[recordio]") {
  const std::string stream = fixture_stream();
  std::vector<std::string> pieces;
  for (char c : stream) pieces.emplace_back(1, c);
  auto out = decode_pieces(pieces);
  REQUIRE_FALSE(out.ec);
  CHECK(out.records == fixture_records());
}

TEST_CASE("recordio views a record inside the caller's input without copying", "[recordio]") {
  const std::string stream = "5\nhello3\nabc";
  recordio_decoder decoder;
  boost::system::error_code ec;
  std::size_t used = decoder.put(stream, ec);
  REQUIRE_FALSE(ec);
  CHECK(used == 7);
  REQUIRE(decoder.has_record());
  CHECK(decoder.record() == "hello");
  CHECK(decoder.record().data() == stream.data() + 2);
  CHECK(decoder.buffered() == 0);

  used = decoder.put(std::string_view(stream).substr(7), ec);
  CHECK(used == 5);
  CHECK(decoder.record() == "abc");
}

TEST_CASE("recordio buffers a split record and never beyond its length", "[recordio]") {
  recordio_decoder decoder;
  boost::system::error_code ec;
  decoder.put("10\n01234", ec);
  CHECK_FALSE(decoder.has_record());
  CHECK(decoder.buffered() == 5);
  CHECK_FALSE(decoder.at_record_boundary());
  std::size_t used = decoder.put("56789EXTRA", ec);
  CHECK(used == 5);
  REQUIRE(decoder.has_record());
  CHECK(decoder.record() == "0123456789");
  CHECK(decoder.buffered() == 10);
  // The next put releases the record and starts the next length line.
  decoder.put("1", ec);
  CHECK(decoder.buffered() == 0);
}

TEST_CASE("recordio rejects malformed length lines with distinct errors", "[recordio]") {
  struct bad {
    std::string input;
    error code;
    std::uint64_t offset;
  };
  auto c = GENERATE(values<bad>({
      {"\n", error::recordio_empty_length, 0},
      {"3\nabc\n", error::recordio_empty_length, 5},
      {"12a\n", error::recordio_invalid_length, 2},
      {"-5\nhello", error::recordio_invalid_length, 0},
      {"+5\nhello", error::recordio_invalid_length, 0},
      {" 5\nhello", error::recordio_invalid_length, 0},
      {"5\r\nhello", error::recordio_invalid_length, 1},
      {"0x10\n", error::recordio_invalid_length, 1},
      {"2\nok{\"type\":1}", error::recordio_invalid_length, 4},
      {"000000000000000000001\n", error::recordio_length_too_long, 20},
      {"18446744073709551616\n", error::recordio_length_overflow, 19},
      {"99999999999999999999\n", error::recordio_length_overflow, 19},
  }));
  INFO("input " << c.input);
  auto out = decode_all(c.input);
  CHECK(out.ec == c.code);
  CHECK(out.offset == c.offset);
  // The same error at the same offset, however the input is split.
  for (std::size_t cut = 0; cut <= c.input.size(); ++cut) {
    auto split = decode_pieces({c.input.substr(0, cut), c.input.substr(cut)});
    CHECK(split.ec == c.code);
    CHECK(split.offset == c.offset);
  }
}

TEST_CASE("recordio accepts the largest 20-digit length only up to the maximum", "[recordio]") {
  auto out = decode_all("18446744073709551615\n");
  CHECK(out.ec == error::recordio_record_too_large);
  CHECK(out.offset == 20);
}

TEST_CASE("recordio refuses an oversized record before buffering any of it", "[recordio]") {
  recordio_decoder decoder;  // default maximum: 64 MiB
  CHECK(decoder.max_record_size() == 64u * 1024 * 1024);
  boost::system::error_code ec;
  decoder.put("99999999999\nsome bytes of a record that must not be stored", ec);
  CHECK(ec == error::recordio_record_too_large);
  CHECK(decoder.buffered() == 0);

  mesos_http::diagnostics diag;
  decoder.describe(diag);
  CHECK(diag.message().find("99999999999") != std::string::npos);
  CHECK(diag.byte_offset() == 11u);
}

TEST_CASE("recordio enforces a configured maximum record size", "[recordio]") {
  CHECK_FALSE(decode_all("10\n0123456789", 10).ec);
  CHECK(decode_all("11\n01234567890", 10).ec == error::recordio_record_too_large);
  CHECK(decode_all("0\n", 0).ec == boost::system::error_code{});
  CHECK(decode_all("1\nx", 0).ec == error::recordio_record_too_large);
}

TEST_CASE("recordio errors are sticky", "[recordio]") {
  recordio_decoder decoder;
  boost::system::error_code ec;
  decoder.put("x\n", ec);
  REQUIRE(ec == error::recordio_invalid_length);
  std::size_t used = decoder.put("2\nok", ec);
  CHECK(used == 0);
  CHECK(ec == error::recordio_invalid_length);
  CHECK_FALSE(decoder.has_record());
  CHECK(decoder.finish() == error::recordio_invalid_length);
  CHECK(decoder.error() == error::recordio_invalid_length);

  decoder.reset();
  CHECK_FALSE(decoder.error());
  decoder.put("2\nok", ec);
  CHECK_FALSE(ec);
  CHECK(decoder.record() == "ok");
}

TEST_CASE("recordio reports a stream that ends inside a record", "[recordio]") {
  CHECK(decode_all("").ec == boost::system::error_code{});
  CHECK(decode_all("2\nok").ec == boost::system::error_code{});
  CHECK(decode_all("2\nok1").ec == error::recordio_truncated);      // inside a length line
  CHECK(decode_all("2\nok5\nabc").ec == error::recordio_truncated);  // inside data
  CHECK(decode_all("5\n").ec == error::recordio_truncated);          // data not started

  recordio_decoder decoder;
  decoder.feed("10\nabc", [](std::string_view) {});
  CHECK(decoder.finish() == error::recordio_truncated);
  mesos_http::diagnostics diag;
  decoder.describe(diag);
  CHECK(diag.message() == "stream ended after 3 of 10 record bytes");
}

TEST_CASE("recordio delivers the records before an error", "[recordio]") {
  auto out = decode_all("2\nok3\nabc?\n");
  CHECK(out.ec == error::recordio_invalid_length);
  CHECK(out.records == std::vector<std::string>{"ok", "abc"});
  CHECK(out.offset == 9);
}
