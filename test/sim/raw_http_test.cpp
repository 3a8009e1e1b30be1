// The raw test client itself: its receive timeout must end a read, or a
// broken server would hang a test instead of failing it.
#include "support/raw_http.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <catch2/catch.hpp>

#include <chrono>

TEST_CASE("raw test client: a server that never answers ends the read at the timeout",
          "[raw_http]") {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor listener(
      io, {boost::asio::ip::make_address("127.0.0.1"), 0});  // never accepts: the backlog holds it
  mesos_http::test::raw_connection connection(listener.local_endpoint().port(),
                                              std::chrono::milliseconds(200));
  connection.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  const auto start = std::chrono::steady_clock::now();
  CHECK_THROWS(connection.read_header());
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
}
