// Uses the installed mesos-http as an application would: generated Mesos
// headers at their libmesos paths, the codec and RecordIO framing.
#include <mesos/v1/scheduler/scheduler.pb.h>
#include <mesos_http/codec.hpp>
#include <mesos_http/recordio.hpp>

#include <iostream>

int main() {
  mesos::v1::scheduler::Call call;
  call.set_type(mesos::v1::scheduler::Call::DECLINE);
  call.mutable_framework_id()->set_value("consumer-0000");
  call.mutable_decline()->add_offer_ids()->set_value("offer-1");

  mesos_http::codec json(mesos_http::content_type::json);
  mesos_http::diagnostics diag;
  std::string stream;
  if (auto ec = json.encode_record(call, stream, diag)) {
    std::cerr << "encode failed: " << ec.message() << '\n';
    return 1;
  }
  mesos_http::recordio_decoder decoder;
  int records = 0;
  mesos::v1::scheduler::Call back;
  auto ec = decoder.feed(stream, [&](std::string_view record) {
    if (!json.decode(record, back, diag)) ++records;
  });
  if (ec || records != 1 || back.decline().offer_ids(0).value() != "offer-1") {
    std::cerr << "round trip failed\n";
    return 1;
  }
  std::cout << "consumer ok: " << stream << '\n';
  return 0;
}
