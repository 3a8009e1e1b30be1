// The test-support HTTP/1.1 message splitter (support/http_messages.hpp):
// on synthetic data, and on every recording of a real Apache Mesos 1.11.1
// master and agent (MESOS_HTTP_TRACES_DIR, see its README.md), which it must
// split as the recordings' readable views say. Without the recordings the
// last test FAILS (never skips).
#include "support/http_messages.hpp"
#include "support/traces.hpp"

#include <catch2/catch.hpp>

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace fs = std::filesystem;

using mesos_http::test::files_ending;
using mesos_http::test::http_message;
using mesos_http::test::label;
using mesos_http::test::load;
using mesos_http::test::load_messages;
using mesos_http::test::load_single;
using mesos_http::test::require_traces;
using mesos_http::test::split_http_messages;
using mesos_http::test::strip_suffix;
using mesos_http::test::traces_dir;

}  // namespace

// ---------------------------------------------------------------------------
// The splitter itself, on synthetic data.

TEST_CASE("http_messages splits keep-alive data, de-chunks and reports cuts",
          "[replay][http_messages]") {
  using mesos_http::test::body_framing;
  const std::string data =
      "POST /api/v1/scheduler HTTP/1.1\r\nHost: m\r\ncontent-length: 5\r\n\r\nhello"
      "GET /x HTTP/1.1\r\nHost: m\r\n\r\n"
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3\r\nabc\r\n1;ext=1\r\nd\r\n0\r\nTrailer: x\r\n\r\n"
      "HTTP/1.1 204 No Content\r\n\r\n"
      "HTTP/1.1 200 OK\r\nContent-Type: a\r\n\r\nrest of data";
  auto r = split_http_messages(data);
  REQUIRE(r.ok());
  REQUIRE(r.messages.size() == 5);
  CHECK(r.messages[0].method() == "POST");
  CHECK(r.messages[0].target() == "/api/v1/scheduler");
  CHECK(r.messages[0].header("CONTENT-LENGTH") == std::optional<std::string_view>("5"));
  CHECK(r.messages[0].body == "hello");
  CHECK(r.messages[0].framing == body_framing::content_length);
  CHECK(r.messages[1].framing == body_framing::none);
  CHECK(r.messages[1].body.empty());
  CHECK(r.messages[2].status() == 200);
  CHECK(r.messages[2].body == "abcd");
  CHECK(r.messages[2].chunk_sizes == std::vector<std::size_t>{3, 1});
  CHECK(r.messages[2].chunked_terminated);
  CHECK_FALSE(r.messages[2].truncated);
  CHECK(r.messages[3].status() == 204);
  CHECK(r.messages[4].framing == body_framing::until_eof);
  CHECK(r.messages[4].body == "rest of data");
  CHECK(r.messages[4].end == data.size());

  // Cut streams: between chunks, inside a size line, inside data, inside the
  // CRLF after data, inside the trailers, inside a Content-Length body.
  const std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  struct cut { std::string data; std::string body; std::vector<std::size_t> sizes; };
  for (const auto& c : std::vector<cut>{{head + "3\r\nabc\r\n", "abc", {3}},
                                        {head + "3\r\nabc\r\n1", "abc", {3}},
                                        {head + "3\r\nabc\r\n1\r", "abc", {3}},
                                        {head + "3\r\nab", "ab", {3}},
                                        {head + "3\r\nabc\r", "abc", {3}},
                                        {head + "3\r\nabc\r\n0\r\n", "abc", {3}},
                                        {head, "", {}}}) {
    INFO(c.data);
    auto cut_result = split_http_messages(c.data);
    REQUIRE(cut_result.ok());
    REQUIRE(cut_result.messages.size() == 1);
    CHECK(cut_result.messages[0].truncated);
    CHECK_FALSE(cut_result.messages[0].chunked_terminated);
    CHECK(cut_result.messages[0].body == c.body);
    CHECK(cut_result.messages[0].chunk_sizes == c.sizes);
  }
  auto short_body = split_http_messages("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc");
  REQUIRE(short_body.ok());
  CHECK(short_body.messages.at(0).truncated);
  CHECK(short_body.messages.at(0).body == "abc");
  CHECK(split_http_messages("").messages.empty());
}

TEST_CASE("http_messages reports malformed data as an error", "[replay][http_messages]") {
  const std::string ok_head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (const std::string& bad : std::vector<std::string>{
           std::string("HTTP/1.1 200 OK\nContent-Length: 0\n\n"),            // bare LF
           std::string("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n"),          // headers cut
           std::string("HTTP/1.1 200"),                                      // start line cut
           std::string("HTTP/1.1 20x OK\r\n\r\n"),                           // status
           std::string("HTTP/2 200 OK\r\n\r\n"),                             // version
           std::string("GET /x HTTP/1.1 extra\r\n\r\n"),                     // target with SP
           std::string("G(T /x HTTP/1.1\r\n\r\n"),                           // method
           std::string("GET /x HTTP/1.1\r\nHost m\r\n\r\n"),                 // no colon
           std::string("GET /x HTTP/1.1\r\nHost : m\r\n\r\n"),               // space before colon
           std::string("GET /x HTTP/1.1\r\nA: b\r\n c\r\n\r\n"),             // folding
           std::string("GET /x HTTP/1.1\r\nContent-Length: -1\r\n\r\n"),     // length
           std::string("GET /x HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"),
           std::string("GET /x HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n"),
           std::string("GET /x HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n"),
           std::string("GET /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\n"),
           ok_head + "x\r\n",                  // chunk size not hex
           ok_head + "\r\n",                   // empty chunk size
           ok_head + "3 \r\nabc\r\n0\r\n\r\n",  // space after the size
           ok_head + "3\r\nabcX\r\n",          // no CRLF after the data
           ok_head + "1000000000000000\r\n",   // absurd size
           ok_head + "3\nabc",                 // bare LF in size line
           ok_head + "g",                      // partial size line that is not hex
           ok_head + "0\r\nbad trailer\r\n\r\n",
       }) {
    INFO(bad);
    auto r = split_http_messages(bad);
    CHECK_FALSE(r.ok());
    CHECK(r.error_offset <= bad.size());
  }
}

TEST_CASE("http_messages splits every recording as its readable view says",
          "[replay][http_messages]") {
  require_traces();
  // scheduler/ and ha/: one message per file; the `.response.decoded.txt`
  // views state the de-chunked size and whether the 0-chunk was seen.
  std::size_t files = 0;
  for (const char* dir : {"scheduler", "ha"}) {
    for (const auto& p : files_ending(traces_dir() / dir, ".http")) {
      const http_message m = load_single(p);
      ++files;
      const std::string name = p.filename().string();
      CHECK(m.is_request() == (name.find(".request.") != std::string::npos));
      const fs::path view = p.parent_path() / (strip_suffix(name, ".http") + ".decoded.txt");
      if (!m.is_response() || !fs::exists(view)) continue;
      const std::string text = load(view);
      INFO(label(p));
      const std::string expected_head = "# HTTP chunked body de-chunked: " +
                                         std::to_string(m.body.size()) +
                                         " payload bytes, terminating zero-length chunk seen: " +
                                         (m.chunked_terminated ? "True" : "False") + "\n";
      CHECK(text.compare(0, expected_head.size(), expected_head) == 0);
      CHECK(m.truncated == !m.chunked_terminated);
    }
  }
  CHECK(files == 2 * 64 + 2 * 12);  // 64 scheduler and 12 ha exchanges

  // executor/: whole TCP directions; the views state the message counts
  // ("# client->agent: 222 bytes, 1 HTTP requests; agent->client: ...").
  std::size_t connections = 0;
  for (const auto& view : files_ending(traces_dir() / "executor", ".decoded.txt")) {
    const std::string stem = strip_suffix(view.filename().string(), ".decoded.txt");
    const fs::path up = traces_dir() / "executor" / (stem + ".client-to-agent.raw");
    const fs::path down = traces_dir() / "executor" / (stem + ".agent-to-client.raw");
    const std::string up_bytes = load(up), down_bytes = load(down);
    const auto requests = load_messages(up);
    const auto responses = load_messages(down);
    ++connections;
    const std::string line = "# client->agent: " + std::to_string(up_bytes.size()) + " bytes, " +
                             std::to_string(requests.size()) + " HTTP requests; agent->client: " +
                             std::to_string(down_bytes.size()) + " bytes, " +
                             std::to_string(responses.size()) + " HTTP responses\n";
    const std::string text = load(view);
    INFO(stem << ": expected the line " << line);
    CHECK(text.find(line) != std::string::npos);
    for (const auto& m : requests) CHECK(m.is_request());
    for (const auto& m : responses) CHECK(m.is_response());
    CHECK(requests.back().end == up_bytes.size());
    CHECK(responses.back().end == down_bytes.size());
  }
  CHECK(connections == 12);
}
