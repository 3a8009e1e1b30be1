// The hand check for bodiless "202 Accepted" answers, byte by byte: what it
// takes, and everything it must leave to the full HTTP parser.
#include "detail/accepted_answer.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>
#include <string>

using mesos_http::detail::accepted_answer_matcher;
using mesos_http::detail::bodiless_accepted_length;

namespace {

// Answers the hand check must leave to the full parser.
const char* const not_bodiless_202[] = {
    "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
    "HTTP/1.0 202 Accepted\r\nContent-Length: 0\r\n\r\n",
    "HTTP/1.1 2020 Accepted\r\nContent-Length: 0\r\n\r\n",
    "HTTP/1.1 202 Accepted\r\n\r\n",                           // no length: body until close
    "HTTP/1.1 202 Accepted\r\nContent-Length: 5\r\n\r\nhello",  // a body
    "HTTP/1.1 202 Accepted\r\nContent-Length: 00\r\n\r\n",
    "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n",
    "HTTP/1.1 202 Accepted\r\nTransfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n",
    "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\nbroken line\r\n\r\n",
    "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n: empty name\r\n\r\n",
    "HTTP/1.1 202 Accepted\r\nContent Length: 0\r\n\r\n",
    "HTTP/1.1 202 Acc\nepted\r\nContent-Length: 0\r\n\r\n",
    "HTTP/1.1 202 Accepted\r\nContent-Length: 0\nX: y\r\n\r\n",  // a bare LF
};

std::string trace(const std::string& name) {
  std::ifstream in(std::string(MESOS_HTTP_TRACES_DIR) + "/" + name, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_CASE("a real master's 202 answer is recognised whole", "[unit][http]") {
  const std::string answer = trace("ha/09-ha-teardown-new-leader.response.http");
  REQUIRE(answer.rfind("HTTP/1.1 202 Accepted\r\n", 0) == 0);
  CHECK(bodiless_accepted_length(answer) == answer.size());
  // Pipelined: the next answer's bytes stay where they are.
  CHECK(bodiless_accepted_length(answer + answer) == answer.size());
  // Any prefix is not complete yet.
  for (std::size_t n = 0; n < answer.size(); ++n) {
    INFO(n);
    CHECK(bodiless_accepted_length(answer.substr(0, n)) == 0);
  }
}

TEST_CASE("the 202 shape check accepts the usual variations", "[unit][http]") {
  const std::string minimal = "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n";
  CHECK(bodiless_accepted_length(minimal) == minimal.size());
  const std::string lower = "HTTP/1.1 202 OK\r\ncontent-length:0\r\nconnection: Keep-Alive\r\n\r\n";
  CHECK(bodiless_accepted_length(lower) == lower.size());
  const std::string spaced = "HTTP/1.1 202 Accepted\r\nContent-Length:  0 \r\nX-A: b\r\n\r\n";
  CHECK(bodiless_accepted_length(spaced) == spaced.size());
}

TEST_CASE("everything else is left to the full parser", "[unit][http]") {
  for (const char* answer : not_bodiless_202) {
    INFO(answer);
    CHECK(bodiless_accepted_length(answer) == 0);
  }
}

TEST_CASE("the matcher remembers the last answer and agrees with the full check",
          "[unit][http]") {
  const std::string minimal = "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n";
  const std::string real = trace("ha/09-ha-teardown-new-leader.response.http");
  accepted_answer_matcher matcher;
  CHECK(matcher.match(minimal + "HTTP/1.1 2") == minimal.size());
  // The remembered answer again, whole or followed by more: matched.
  CHECK(matcher.match(minimal) == minimal.size());
  CHECK(matcher.match(minimal + minimal) == minimal.size());
  // Any prefix of it is still incomplete.
  for (std::size_t n = 0; n < minimal.size(); ++n) {
    INFO(n);
    CHECK(matcher.match(minimal.substr(0, n)) == 0);
  }
  // Bytes that only start like it (more headers before the blank line) get
  // the full check, which refuses what it must.
  for (const char* answer : not_bodiless_202) {
    INFO(answer);
    CHECK(matcher.match(answer) == 0);
  }
  // A different answer (the real master's, its Date changed) is checked in
  // full and then remembered; the old one is still recognised by the check.
  CHECK(matcher.match(real) == real.size());
  std::string next_second = real;
  const auto date = next_second.find("Date: ");
  REQUIRE(date != std::string::npos);
  next_second[date + 6] = next_second[date + 6] == 'M' ? 'T' : 'M';
  CHECK(matcher.match(next_second) == next_second.size());
  CHECK(matcher.match(minimal) == minimal.size());
}
