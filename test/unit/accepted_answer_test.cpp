// The hand check for bodiless "202 Accepted" answers, byte by byte: what it
// takes, and everything it must leave to the full HTTP parser.
#include "detail/accepted_answer.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>
#include <string>

using mesos_http::detail::bodiless_accepted_length;

namespace {

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
  const char* others[] = {
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
  for (const char* answer : others) {
    INFO(answer);
    CHECK(bodiless_accepted_length(answer) == 0);
  }
}
