// Base64 as Mesos writes and reads it.
#include "detail/base64.hpp"

#include <catch2/catch.hpp>

using mesos_http::detail::base64_append;
using mesos_http::detail::base64_decode;

namespace {
std::string encode(std::string_view bytes) {
  std::string out;
  base64_append(out, bytes);
  return out;
}
}  // namespace

TEST_CASE("base64 encodes the RFC 4648 test vectors with padding", "[base64]") {
  CHECK(encode("") == "");
  CHECK(encode("f") == "Zg==");
  CHECK(encode("fo") == "Zm8=");
  CHECK(encode("foo") == "Zm9v");
  CHECK(encode("foob") == "Zm9vYg==");
  CHECK(encode("fooba") == "Zm9vYmE=");
  CHECK(encode("foobar") == "Zm9vYmFy");
  CHECK(encode(std::string("\xfb\xff\xbf", 3)) == "+/+/");
}

TEST_CASE("base64 decodes padded, unpadded and spaced text", "[base64]") {
  std::string out;
  for (std::string_view text : {"Zm9vYmE=", "Zm9vYmE", "Zm9v\nYmE=", " Z m 9 v Y m E = "}) {
    INFO(text);
    REQUIRE(base64_decode(text, out));
    CHECK(out == "fooba");
  }
  REQUIRE(base64_decode("Zg==trailing ignored after padding", out));
  CHECK(out == "f");
}

TEST_CASE("base64 refuses bytes outside the standard alphabet", "[base64]") {
  std::string out;
  CHECK_FALSE(base64_decode("-_-_", out));  // URL-safe alphabet
  CHECK_FALSE(base64_decode("Zm9v!", out));
  CHECK_FALSE(base64_decode(std::string("Zm\0v", 4), out));
}

TEST_CASE("base64 round-trips every byte value", "[base64]") {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (std::size_t n = 0; n <= all.size(); n += 37) {
    std::string out;
    REQUIRE(base64_decode(encode(all.substr(0, n)), out));
    CHECK(out == all.substr(0, n));
  }
}
