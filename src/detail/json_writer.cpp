// Writes protobuf messages as Mesos does (stout's JSON::Protobuf + jsonify):
// declaration order, snake_case names, enums by name, padded base64 bytes,
// defaults written for unset non-deprecated fields that declare one.
#include "detail/base64.hpp"
#include "detail/json_mapping.hpp"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/message.h>

#include <charconv>
#include <cmath>
#include <cstdint>

namespace mesos_http::detail {

namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

template <class Integer>
void write_integer(Integer value, std::string& out) {
  char buf[24];
  auto result = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, result.ptr);
}

void write_bool(bool value, std::string& out) { out += value ? "true" : "false"; }

void write_message(const Message& message, std::string& out);

// Writes element `index` of a repeated field, or the singular value when
// `index` is negative.
void write_value(const Message& m, const FieldDescriptor* f, int index,
                 std::string& out) {
  const Reflection* r = m.GetReflection();
  const bool rep = index >= 0;
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return write_integer(rep ? r->GetRepeatedInt32(m, f, index) : r->GetInt32(m, f), out);
    case FieldDescriptor::CPPTYPE_INT64:
      return write_integer(rep ? r->GetRepeatedInt64(m, f, index) : r->GetInt64(m, f), out);
    case FieldDescriptor::CPPTYPE_UINT32:
      return write_integer(rep ? r->GetRepeatedUInt32(m, f, index) : r->GetUInt32(m, f), out);
    case FieldDescriptor::CPPTYPE_UINT64:
      return write_integer(rep ? r->GetRepeatedUInt64(m, f, index) : r->GetUInt64(m, f), out);
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return write_json_double(rep ? r->GetRepeatedDouble(m, f, index) : r->GetDouble(m, f), out);
    case FieldDescriptor::CPPTYPE_FLOAT:
      // Mesos widens floats to double before printing them.
      return write_json_double(rep ? r->GetRepeatedFloat(m, f, index) : r->GetFloat(m, f), out);
    case FieldDescriptor::CPPTYPE_BOOL:
      return write_bool(rep ? r->GetRepeatedBool(m, f, index) : r->GetBool(m, f), out);
    case FieldDescriptor::CPPTYPE_ENUM: {
      auto* value = rep ? r->GetRepeatedEnum(m, f, index) : r->GetEnum(m, f);
      return write_json_string(value->name(), out);
    }
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string scratch;
      const std::string& s = rep ? r->GetRepeatedStringReference(m, f, index, &scratch)
                                 : r->GetStringReference(m, f, &scratch);
      if (f->type() == FieldDescriptor::TYPE_BYTES) {
        out += '"';
        base64_append(out, s);
        out += '"';
        return;
      }
      return write_json_string(s, out);
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return write_message(rep ? r->GetRepeatedMessage(m, f, index) : r->GetMessage(m, f), out);
  }
}

void write_default(const FieldDescriptor* f, std::string& out) {
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32: return write_integer(f->default_value_int32(), out);
    case FieldDescriptor::CPPTYPE_INT64: return write_integer(f->default_value_int64(), out);
    case FieldDescriptor::CPPTYPE_UINT32: return write_integer(f->default_value_uint32(), out);
    case FieldDescriptor::CPPTYPE_UINT64: return write_integer(f->default_value_uint64(), out);
    case FieldDescriptor::CPPTYPE_DOUBLE: return write_json_double(f->default_value_double(), out);
    case FieldDescriptor::CPPTYPE_FLOAT: return write_json_double(f->default_value_float(), out);
    case FieldDescriptor::CPPTYPE_BOOL: return write_bool(f->default_value_bool(), out);
    case FieldDescriptor::CPPTYPE_ENUM: return write_json_string(f->default_value_enum()->name(), out);
    case FieldDescriptor::CPPTYPE_STRING:
      if (f->type() == FieldDescriptor::TYPE_BYTES) {
        out += '"';
        base64_append(out, f->default_value_string());
        out += '"';
        return;
      }
      return write_json_string(f->default_value_string(), out);
    case FieldDescriptor::CPPTYPE_MESSAGE: out += "{}"; return;
  }
}

// Map keys are always JSON strings; integral keys are stringified.
void write_map_key(const Message& entry, const FieldDescriptor* key, std::string& out) {
  if (key->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
    std::string scratch;
    return write_json_string(entry.GetReflection()->GetStringReference(entry, key, &scratch), out);
  }
  std::string text;
  write_value(entry, key, -1, text);
  write_json_string(text, out);
}

void write_map(const Message& m, const FieldDescriptor* f, std::string& out) {
  const Reflection* r = m.GetReflection();
  const FieldDescriptor* key = f->message_type()->map_key();
  const FieldDescriptor* value = f->message_type()->map_value();
  out += '{';
  for (int i = 0, n = r->FieldSize(m, f); i < n; ++i) {
    if (i) out += ',';
    const Message& entry = r->GetRepeatedMessage(m, f, i);
    write_map_key(entry, key, out);
    out += ':';
    write_value(entry, value, -1, out);
  }
  out += '}';
}

void write_key(const FieldDescriptor* f, bool& first, std::string& out) {
  if (!first) out += ',';
  first = false;
  out += '"';
  out += f->name();  // proto field names need no escaping
  out += "\":";
}

void write_message(const Message& m, std::string& out) {
  const auto* d = m.GetDescriptor();
  const Reflection* r = m.GetReflection();
  bool first = true;
  out += '{';
  for (int i = 0, count = d->field_count(); i < count; ++i) {
    const FieldDescriptor* f = d->field(i);
    if (f->is_repeated()) {
      int n = r->FieldSize(m, f);
      if (n == 0) continue;
      write_key(f, first, out);
      if (f->is_map()) {
        write_map(m, f, out);
        continue;
      }
      out += '[';
      for (int k = 0; k < n; ++k) {
        if (k) out += ',';
        write_value(m, f, k, out);
      }
      out += ']';
    } else if (r->HasField(m, f)) {
      write_key(f, first, out);
      write_value(m, f, -1, out);
    } else if (f->has_default_value() && !f->options().deprecated()) {
      write_key(f, first, out);
      write_default(f, out);
    }
  }
  out += '}';
}

}  // namespace

void write_json_double(double value, std::string& out) {
  if (std::isinf(value)) {
    out += value > 0 ? "\"Infinity\"" : "\"-Infinity\"";
    return;
  }
  if (std::isnan(value)) {
    // Mesos would print an invalid bare NaN; a string keeps the JSON valid
    // and the reader accepts it back.
    out += "\"NaN\"";
    return;
  }
  char buf[32];
  auto result = std::to_chars(buf, buf + sizeof buf, value);
  std::string_view text(buf, static_cast<std::size_t>(result.ptr - buf));
  out += text;
  if (text.find_first_of(".e") == std::string_view::npos) out += ".0";
}

void write_json_string(std::string_view text, std::string& out) {
  static const char hex[] = "0123456789abcdef";
  out += '"';
  std::size_t plain = 0;  // start of the run of bytes needing no escape
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text.data() + plain, i - plain);
    plain = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        out += "\\u00";
        out += hex[c >> 4];
        out += hex[c & 15];
    }
  }
  out.append(text.data() + plain, text.size() - plain);
  out += '"';
}

void write_json(const Message& message, std::string& out) { write_message(message, out); }

}  // namespace mesos_http::detail
