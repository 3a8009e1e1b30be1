// Fuzz target: what the simulated master does with bytes from the network —
// Beast's HTTP request parser, then the master's checks of a Scheduler API
// request (sim::check_scheduler_request). Input layout:
//   byte 0: bit 0 = not leading (bit 1 = leader known), bit 2 = basic
//           authentication on, bits 3-4 = status of every framework id
//           (unknown/removed/disconnected/subscribed)
//   rest:   the raw HTTP request (seeds: ../shared/traces/**/*.request.http)
// Properties beyond "no crash, no leak, no UB": an answer always has a
// status in 200..599, and a call without an answer is SUBSCRIBE or has
// framework_id and type set (the checks let nothing half-valid through).
#include <mesos_http/sim/scheduler_endpoint.hpp>

#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cstdint>
#include <cstdlib>
#include <string>

namespace http = boost::beast::http;
using namespace mesos_http::sim;

namespace {

std::optional<std::string_view> field(const http::request<http::string_body>& r,
                                      http::field name) {
  auto it = r.find(name);
  if (it == r.end()) return std::nullopt;
  return std::string_view(it->value().data(), it->value().size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t flags = data[0];
  http::request_parser<http::string_body> parser;
  parser.body_limit(1 << 20);
  parser.eager(true);
  boost::system::error_code ec;
  parser.put(boost::asio::buffer(data + 1, size - 1), ec);
  if (ec || !parser.is_done()) return 0;
  const auto& request = parser.get();

  http_request_view view;
  view.method = std::string_view(request.method_string().data(), request.method_string().size());
  view.target = std::string_view(request.target().data(), request.target().size());
  view.content_type = field(request, http::field::content_type);
  view.accept = field(request, http::field::accept);
  auto stream = request.find("Mesos-Stream-Id");
  if (stream != request.end()) view.stream_id = std::string_view(stream->value().data(), stream->value().size());
  view.authorization = field(request, http::field::authorization);
  view.body = request.body();

  master_view master;
  master.leading = !(flags & 1);
  if (flags & 2) master.leader = "127.0.0.1:5050";
  if (flags & 4) master.credentials = {{"principal", "secret"}};
  const auto status = static_cast<framework_status>((flags >> 3) & 3);
  master.framework = [status](const std::string&) { return status; };
  master.stream_id = [status](const std::string&) -> std::optional<std::string> {
    if (status != framework_status::subscribed) return std::nullopt;
    return std::string("12fc5217-df5a-4c9f-abbf-fed67de8eb96");
  };

  scheduler_request result = check_scheduler_request(view, master);
  if (result.answer) {
    if (result.answer->status < 200 || result.answer->status > 599) std::abort();
    return 0;
  }
  const auto& call = result.call;
  if (!call.has_type()) std::abort();
  if (call.type() != mesos::v1::scheduler::Call::SUBSCRIBE && !call.has_framework_id()) std::abort();
  return 0;
}
