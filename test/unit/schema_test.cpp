// Schema test: our proto/mesos/v1/*.proto must describe exactly the same
// messages, fields and enums as Apache Mesos 1.12's v1 protos.
//
// The golden file test/data/schema/mesos-v1-1.12.schema.txt was produced from
// upstream's compiled descriptors with the very same listing code as below
// (the block between the BEGIN/END markers is copied verbatim into the
// generator). Here the listing is produced from the descriptors compiled into
// this binary and compared line by line with the golden file.

#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>

#include <mesos/v1/executor/executor.pb.h>
#include <mesos/v1/mesos.pb.h>
#include <mesos/v1/scheduler/scheduler.pb.h>

// BEGIN schema-listing (shared with the golden-file generator; keep verbatim)
namespace schema_listing {

// One line per field: "  field <name> <number> <label> <type>" followed by
// " default=<v>", " deprecated", " oneof=<name>", " packed" where applicable.
inline std::string FieldLine(const google::protobuf::FieldDescriptor* f) {
  using google::protobuf::FieldDescriptor;
  google::protobuf::FieldDescriptorProto proto;
  f->CopyTo(&proto);

  std::string line = "  field " + f->name() + " " + std::to_string(f->number());
  switch (f->label()) {
    case FieldDescriptor::LABEL_REQUIRED: line += " required"; break;
    case FieldDescriptor::LABEL_OPTIONAL: line += " optional"; break;
    case FieldDescriptor::LABEL_REPEATED: line += " repeated"; break;
  }
  if (f->type() == FieldDescriptor::TYPE_MESSAGE ||
      f->type() == FieldDescriptor::TYPE_GROUP) {
    line += std::string(" message .") + f->message_type()->full_name();
  } else if (f->type() == FieldDescriptor::TYPE_ENUM) {
    line += std::string(" enum .") + f->enum_type()->full_name();
  } else {
    line += std::string(" ") + FieldDescriptor::TypeName(f->type());
  }
  if (proto.has_default_value()) {
    line += " default=" + proto.default_value();
  }
  if (f->options().deprecated()) {
    line += " deprecated";
  }
  if (f->containing_oneof() != nullptr) {
    line += " oneof=" + f->containing_oneof()->name();
  }
  if (f->options().packed()) {
    line += " packed";
  }
  return line + "\n";
}

inline void ListEnum(const google::protobuf::EnumDescriptor* e,
                     std::string* out) {
  *out += "enum " + e->full_name() + "\n";
  for (int i = 0; i < e->value_count(); ++i) {
    *out += "  value " + e->value(i)->name() + " " +
            std::to_string(e->value(i)->number()) + "\n";
  }
}

// Depth-first: the message, its fields in declaration order, then its nested
// enums and its nested messages (each in declaration order).
inline void ListMessage(const google::protobuf::Descriptor* m,
                        std::string* out) {
  *out += "message " + m->full_name() + "\n";
  if (m->options().map_entry()) {
    *out += "  map_entry\n";
  }
  for (int i = 0; i < m->field_count(); ++i) {
    *out += FieldLine(m->field(i));
  }
  for (int i = 0; i < m->enum_type_count(); ++i) {
    ListEnum(m->enum_type(i), out);
  }
  for (int i = 0; i < m->nested_type_count(); ++i) {
    ListMessage(m->nested_type(i), out);
  }
}

// Lists the given files in order; within each file the top-level enums come
// first, then the top-level messages (descriptors do not record how the two
// kinds interleave in the source). `include`, if set, selects which top-level
// types (by full name) are listed.
inline std::string SchemaListing(
    const std::vector<const google::protobuf::FileDescriptor*>& files,
    const std::function<bool(const std::string&)>& include = nullptr) {
  std::string out;
  for (const google::protobuf::FileDescriptor* file : files) {
    for (int i = 0; i < file->enum_type_count(); ++i) {
      if (!include || include(file->enum_type(i)->full_name())) {
        ListEnum(file->enum_type(i), &out);
      }
    }
    for (int i = 0; i < file->message_type_count(); ++i) {
      if (!include || include(file->message_type(i)->full_name())) {
        ListMessage(file->message_type(i), &out);
      }
    }
  }
  return out;
}

} // namespace schema_listing
// END schema-listing

namespace {

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    lines.push_back(line);
  }
  return lines;
}

} // namespace

TEST_CASE("v1 protos match the Apache Mesos 1.12 schema", "[schema]") {
  const std::vector<const google::protobuf::FileDescriptor*> files = {
    mesos::v1::FrameworkInfo::descriptor()->file(),
    mesos::v1::scheduler::Call::descriptor()->file(),
    mesos::v1::executor::Call::descriptor()->file(),
  };

  REQUIRE(files[0]->name() == "mesos/v1/mesos.proto");
  REQUIRE(files[1]->name() == "mesos/v1/scheduler/scheduler.proto");
  REQUIRE(files[2]->name() == "mesos/v1/executor/executor.proto");
  CHECK(files[0]->package() == "mesos.v1");
  CHECK(files[1]->package() == "mesos.v1.scheduler");
  CHECK(files[2]->package() == "mesos.v1.executor");

  const std::string path =
    std::string(MESOS_HTTP_TEST_DATA_DIR) + "/schema/mesos-v1-1.12.schema.txt";
  std::ifstream golden_file(path, std::ios::binary);
  INFO("golden file: " << path);
  REQUIRE(golden_file.good());
  std::stringstream golden_text;
  golden_text << golden_file.rdbuf();

  const std::vector<std::string> expected = SplitLines(golden_text.str());
  const std::vector<std::string> actual =
    SplitLines(schema_listing::SchemaListing(files));

  REQUIRE(!expected.empty());

  const size_t common = std::min(expected.size(), actual.size());
  size_t first_difference = common;
  for (size_t i = 0; i < common; ++i) {
    if (expected[i] != actual[i]) {
      first_difference = i;
      break;
    }
  }

  if (first_difference < common) {
    FAIL("schema differs at line " << (first_difference + 1) << "\n"
         << "  golden (upstream 1.12): '" << expected[first_difference]
         << "'\n"
         << "  ours:                   '" << actual[first_difference] << "'");
  }

  if (expected.size() != actual.size()) {
    FAIL("schema listing has " << actual.size() << " lines, golden has "
         << expected.size() << "; first extra line: '"
         << (actual.size() > expected.size() ? actual[common]
                                             : expected[common])
         << "' (" << (actual.size() > expected.size() ? "ours" : "golden")
         << ")");
  }

  SUCCEED("schema listing matches (" << actual.size() << " lines)");
}
