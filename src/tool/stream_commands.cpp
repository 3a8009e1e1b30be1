// `mesos-http decode` and `mesos-http encode`: RecordIO streams of Mesos
// messages to JSON lines and back.
#include "stream_commands.hpp"

#include <mesos_http/codec.hpp>
#include <mesos_http/recordio.hpp>

#include <fstream>
#include <iostream>
#include <memory>

namespace mesos_http::tool {

namespace {

// Opens FILE or stdin ("-"); binary mode so protobuf bytes are untouched.
std::istream& open_input(const std::string& path, std::unique_ptr<std::ifstream>& holder) {
  if (path == "-") return std::cin;
  holder = std::make_unique<std::ifstream>(path, std::ios::binary);
  if (!*holder) throw usage_failure{"cannot open " + path};
  return *holder;
}

bool take_events(std::vector<std::string>& args) {
  bool calls = take_flag(args, "--calls");
  bool events = take_flag(args, "--events");
  if (calls && events) throw usage_failure{"give --calls or --events, not both"};
  return !calls;
}

// A JSON object starts with '{'; a protobuf Event/Call never does (0x7b
// would be field 15 as a deprecated group).
content_type sniff(std::string_view record) {
  return !record.empty() && record.front() == '{' ? content_type::json : content_type::protobuf;
}

// Decodes records as they arrive and prints each as one JSON line.
class line_printer {
 public:
  line_printer(api which, bool events, std::optional<content_type> type)
      : message_(new_message(which, events)), type_(type) {}

  // Returns false (after reporting) when a record does not decode.
  bool print(std::string_view record, std::uint64_t offset) {
    if (!type_) type_ = sniff(record);
    diagnostics diag;
    if (auto ec = codec(*type_).decode(record, *message_, diag)) {
      std::cerr << "mesos-http decode: record " << count_ << " at byte " << offset << ": "
                << ec.message() << ": " << diag.to_string() << '\n';
      return false;
    }
    if (auto ec = json_.encode(*message_, line_, diag)) {
      std::cerr << "mesos-http decode: record " << count_ << ": " << diag.to_string() << '\n';
      return false;
    }
    line_ += '\n';
    std::cout << line_;
    ++count_;
    return true;
  }

 private:
  std::unique_ptr<google::protobuf::Message> message_;
  std::optional<content_type> type_;
  codec json_{content_type::json};
  std::string line_;
  std::size_t count_ = 0;
};

}  // namespace

int decode_command(std::vector<std::string> args) {
  api which = take_api(args);
  auto type = take_content_type(args);
  bool events = take_events(args);
  std::unique_ptr<std::ifstream> holder;
  std::istream& in = open_input(take_input(args), holder);

  recordio_decoder decoder;
  line_printer printer(which, events, type);
  std::string chunk(64 * 1024, '\0');
  bool ok = true;
  while (ok && in) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    std::string_view data(chunk.data(), static_cast<std::size_t>(in.gcount()));
    auto ec = decoder.feed(data, [&](std::string_view record) {
      if (ok) ok = printer.print(record, decoder.offset() - record.size());
    });
    if (ec) break;
  }
  std::cout.flush();
  if (!ok) return bad_input;
  if (auto ec = decoder.error() ? decoder.error() : decoder.finish()) {
    diagnostics diag;
    decoder.describe(diag);
    std::cerr << "mesos-http decode: " << ec.message() << ": " << diag.to_string() << '\n';
    return bad_input;
  }
  return ok ? exit_code::ok : bad_input;
}

int encode_command(std::vector<std::string> args) {
  api which = take_api(args);
  content_type type = take_content_type(args).value_or(content_type::json);
  bool events = take_events(args);
  std::unique_ptr<std::ifstream> holder;
  std::istream& in = open_input(take_input(args), holder);

  auto message = new_message(which, events);
  codec json(content_type::json);
  codec out(type);
  std::string line;
  std::string framed;
  diagnostics diag;
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    framed.clear();
    auto ec = json.decode(line, *message, diag);
    if (!ec) ec = out.encode_record(*message, framed, diag);
    if (ec) {
      std::cerr << "mesos-http encode: line " << number << ": " << ec.message() << ": "
                << diag.to_string() << '\n';
      return bad_input;
    }
    std::cout.write(framed.data(), static_cast<std::streamsize>(framed.size()));
  }
  std::cout.flush();
  return exit_code::ok;
}

}  // namespace mesos_http::tool
