// Reads Mesos JSON straight into a protobuf message through nlohmann_json's
// SAX interface: no intermediate DOM, one reflection call per value. The
// accepted forms follow Mesos's own parser (stout's protobuf::parse), see
// docs/content-types.md.
#include "detail/base64.hpp"
#include "detail/json_mapping.hpp"

#include <mesos_http/error.hpp>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <nlohmann/json.hpp>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <unordered_map>
#include <vector>

namespace mesos_http::detail {

namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using json = nlohmann::json;

// Field lookup by JSON key. Descriptor::FindFieldByName goes through the
// pool's global symbol table; Mesos messages have few fields, so a scan of
// a per-type table (built once per thread) is several times faster.
class field_table {
 public:
  explicit field_table(const google::protobuf::Descriptor* d) {
    fields_.reserve(static_cast<std::size_t>(d->field_count()));
    for (int i = 0; i < d->field_count(); ++i) fields_.push_back({d->field(i)->name(), d->field(i)});
  }
  const FieldDescriptor* find(std::string_view name) const {
    for (const auto& [field_name, field] : fields_) {
      if (field_name == name) return field;
    }
    return nullptr;
  }
  static const field_table& of(const google::protobuf::Descriptor* d) {
    thread_local std::unordered_map<const google::protobuf::Descriptor*, field_table> tables;
    auto it = tables.find(d);
    if (it == tables.end()) it = tables.emplace(d, field_table(d)).first;
    return it->second;
  }

 private:
  std::vector<std::pair<std::string_view, const FieldDescriptor*>> fields_;
};

// One open JSON object or array on the way down the message tree.
struct frame {
  enum kind_t { object, array, map } kind;
  Message* message;              // object/array: the message being filled
  const FieldDescriptor* field;  // field of the next value; null = ignore it
  const FieldDescriptor* map_field = nullptr;  // map frames: the map field
  Message* entry = nullptr;                    // map frames: current entry
  const field_table* fields = nullptr;         // object frames: lookup table
};

// Where a value goes: a message and one of its fields.
struct target {
  Message* message;
  const FieldDescriptor* field;
};

bool is_floating(const FieldDescriptor* f) {
  return f->cpp_type() == FieldDescriptor::CPPTYPE_DOUBLE ||
         f->cpp_type() == FieldDescriptor::CPPTYPE_FLOAT;
}

class message_builder {
 public:
  message_builder(Message& root, std::size_t max_depth)
      : root_(root), max_depth_(max_depth) {}

  // --- nlohmann_json SAX interface ---
  bool null() { return skip_ > 0 || value_done(); }
  bool boolean(bool v) { return scalar(v); }
  bool number_integer(std::int64_t v) { return scalar(v); }
  bool number_unsigned(std::uint64_t v) { return scalar(v); }
  bool number_float(double v, const std::string&) { return scalar(v); }
  bool string(std::string& v) { return scalar(static_cast<const std::string&>(v)); }
  bool binary(json::binary_t&) { return fail("binary values are not JSON"); }
  bool start_object(std::size_t);
  bool end_object();
  bool start_array(std::size_t);
  bool end_array();
  bool key(std::string& name);
  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& ex) {
    code_ = error::malformed_json;
    message_ = ex.what();
    position_ = position;
    return false;
  }

  error code() const { return code_; }
  const std::string& message() const { return message_; }
  std::size_t position() const { return position_; }

 private:
  target current() const {
    const frame& top = stack_.back();
    return {top.kind == frame::map ? top.entry : top.message, top.field};
  }
  bool value_done();
  template <class T>
  bool scalar(const T& value);
  bool set(target t, const std::string& v);
  bool set(target t, bool v);
  bool set(target t, std::int64_t v);
  bool set(target t, std::uint64_t v);
  bool set(target t, double v);
  bool set_from_text(target t, const std::string& v);
  template <class T>
  bool store(target t, T v);
  bool set_map_key(Message* entry, const std::string& key);
  bool push(frame f);
  bool fail(std::string text) {
    code_ = error::json_schema_mismatch;
    message_ = std::move(text);
    return false;
  }
  bool type_error(const FieldDescriptor* f, const char* got) {
    return fail("field '" + f->full_name() + "' cannot hold " + got);
  }

  Message& root_;
  std::size_t max_depth_;
  std::vector<frame> stack_;
  std::size_t skip_ = 0;  // depth inside an ignored (unknown) value
  error code_{};
  std::string message_;
  std::size_t position_ = 0;
};

// After a complete value inside an object or map, a key must come next.
bool message_builder::value_done() {
  if (!stack_.empty() && stack_.back().kind != frame::array) stack_.back().field = nullptr;
  return true;
}

template <class T>
bool message_builder::scalar(const T& value) {
  if (skip_ > 0) return true;
  if (stack_.empty()) return fail("expecting a JSON object");
  target t = current();
  if (t.field == nullptr) return value_done();
  if (t.field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
    return type_error(t.field, "a scalar (expecting an object)");
  }
  return set(t, value) && value_done();
}

bool message_builder::push(frame f) {
  if (stack_.size() >= max_depth_) {
    return fail("JSON nesting exceeds " + std::to_string(max_depth_) + " levels");
  }
  if (f.kind == frame::object) f.fields = &field_table::of(f.message->GetDescriptor());
  stack_.push_back(f);
  return true;
}

bool message_builder::start_object(std::size_t) {
  if (skip_ > 0) return ++skip_, true;
  if (stack_.empty()) return push({frame::object, &root_, nullptr});
  target t = current();
  if (t.field == nullptr) return ++skip_, true;  // unknown key: ignore value
  const FieldDescriptor* f = t.field;
  if (f->is_map() && stack_.back().kind != frame::array) {
    return push({frame::map, t.message, nullptr, f});
  }
  if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
    return type_error(f, "an object");
  }
  const Reflection* r = t.message->GetReflection();
  Message* child = f->is_repeated() ? r->AddMessage(t.message, f)
                                    : r->MutableMessage(t.message, f);
  return push({frame::object, child, nullptr});
}

bool message_builder::end_object() {
  if (skip_ > 0) {
    if (--skip_ == 0) value_done();
    return true;
  }
  stack_.pop_back();
  return value_done();
}

bool message_builder::start_array(std::size_t) {
  if (skip_ > 0) return ++skip_, true;
  if (stack_.empty()) return fail("expecting a JSON object, not an array");
  target t = current();
  if (t.field == nullptr) return ++skip_, true;
  if (!t.field->is_repeated() || t.field->is_map() || stack_.back().kind == frame::array) {
    return fail("not expecting a JSON array for field '" + t.field->full_name() + "'");
  }
  return push({frame::array, t.message, t.field});
}

bool message_builder::end_array() {
  if (skip_ > 0) {
    if (--skip_ == 0) value_done();
    return true;
  }
  stack_.pop_back();
  return value_done();
}

bool message_builder::key(std::string& name) {
  if (skip_ > 0) return true;
  frame& top = stack_.back();
  if (top.kind == frame::object) {
    top.field = top.fields->find(name);
    return true;
  }
  // A map object: every key starts a new entry.
  top.entry = top.message->GetReflection()->AddMessage(top.message, top.map_field);
  top.field = top.map_field->message_type()->map_value();
  return set_map_key(top.entry, name);
}

bool message_builder::set_map_key(Message* entry, const std::string& key) {
  const FieldDescriptor* f = entry->GetDescriptor()->map_key();
  if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
    entry->GetReflection()->SetString(entry, f, key);
    return true;
  }
  return set_from_text({entry, f}, key);
}

// --- values ---

// True when `v` is exactly representable as an integer of type To (for a
// double: integral and within range; callers reject fractions first).
template <class To, class From>
bool fits(From v) {
  if constexpr (std::is_floating_point_v<From>) {
    const double limit = std::ldexp(1.0, std::numeric_limits<To>::digits);
    const double low = std::is_signed_v<To> ? -limit : 0.0;
    return v >= low && v < limit;
  } else if constexpr (std::is_signed_v<From> == std::is_signed_v<To>) {
    return v >= std::numeric_limits<To>::min() && v <= std::numeric_limits<To>::max();
  } else if constexpr (std::is_signed_v<From>) {
    return v >= 0 && static_cast<std::make_unsigned_t<From>>(v) <= std::numeric_limits<To>::max();
  } else {
    return v <= static_cast<std::make_unsigned_t<To>>(std::numeric_limits<To>::max());
  }
}

template <class T>
bool message_builder::store(target t, T v) {
  const FieldDescriptor* f = t.field;
  Message* m = t.message;
  const Reflection* r = m->GetReflection();
  const bool rep = f->is_repeated();
  auto out_of_range = [&] { return fail("value out of range for field '" + f->full_name() + "'"); };
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      if (!fits<std::int32_t>(v)) return out_of_range();
      rep ? r->AddInt32(m, f, static_cast<std::int32_t>(v)) : r->SetInt32(m, f, static_cast<std::int32_t>(v));
      return true;
    case FieldDescriptor::CPPTYPE_UINT32:
      if (!fits<std::uint32_t>(v)) return out_of_range();
      rep ? r->AddUInt32(m, f, static_cast<std::uint32_t>(v)) : r->SetUInt32(m, f, static_cast<std::uint32_t>(v));
      return true;
    case FieldDescriptor::CPPTYPE_INT64:
      if (!fits<std::int64_t>(v)) return out_of_range();
      rep ? r->AddInt64(m, f, static_cast<std::int64_t>(v)) : r->SetInt64(m, f, static_cast<std::int64_t>(v));
      return true;
    case FieldDescriptor::CPPTYPE_UINT64:
      if (!fits<std::uint64_t>(v)) return out_of_range();
      rep ? r->AddUInt64(m, f, static_cast<std::uint64_t>(v)) : r->SetUInt64(m, f, static_cast<std::uint64_t>(v));
      return true;
    case FieldDescriptor::CPPTYPE_DOUBLE:
      rep ? r->AddDouble(m, f, static_cast<double>(v)) : r->SetDouble(m, f, static_cast<double>(v));
      return true;
    case FieldDescriptor::CPPTYPE_FLOAT:
      rep ? r->AddFloat(m, f, static_cast<float>(v)) : r->SetFloat(m, f, static_cast<float>(v));
      return true;
    default:
      return type_error(f, "a number");
  }
}

bool message_builder::set(target t, std::int64_t v) {
  if (t.field->cpp_type() == FieldDescriptor::CPPTYPE_ENUM) {
    return type_error(t.field, "a number (enums are given by name)");
  }
  return store(t, v);
}

bool message_builder::set(target t, std::uint64_t v) {
  if (t.field->cpp_type() == FieldDescriptor::CPPTYPE_ENUM) {
    return type_error(t.field, "a number (enums are given by name)");
  }
  return store(t, v);
}

bool message_builder::set(target t, double v) {
  if (!is_floating(t.field)) {
    // 3.0 is an integer to Mesos's parser; 3.5 is not.
    if (t.field->cpp_type() == FieldDescriptor::CPPTYPE_ENUM || std::trunc(v) != v) {
      return type_error(t.field, "a fractional number");
    }
  }
  return store(t, v);
}

bool message_builder::set(target t, bool v) {
  if (t.field->cpp_type() != FieldDescriptor::CPPTYPE_BOOL) return type_error(t.field, "a boolean");
  const Reflection* r = t.message->GetReflection();
  t.field->is_repeated() ? r->AddBool(t.message, t.field, v) : r->SetBool(t.message, t.field, v);
  return true;
}

bool message_builder::set(target t, const std::string& v) {
  const FieldDescriptor* f = t.field;
  const Reflection* r = t.message->GetReflection();
  if (f->type() == FieldDescriptor::TYPE_STRING) {
    f->is_repeated() ? r->AddString(t.message, f, v) : r->SetString(t.message, f, v);
    return true;
  }
  if (f->type() == FieldDescriptor::TYPE_BYTES) {
    std::string bytes;
    if (!base64_decode(v, bytes)) return fail("field '" + f->full_name() + "' is not valid base64");
    f->is_repeated() ? r->AddString(t.message, f, std::move(bytes))
                     : r->SetString(t.message, f, std::move(bytes));
    return true;
  }
  if (f->cpp_type() == FieldDescriptor::CPPTYPE_ENUM) {
    // Unknown names are dropped (newer masters add values); a required
    // enum then shows up as a missing required field.
    const auto* value = f->enum_type()->FindValueByName(v);
    if (value != nullptr) {
      f->is_repeated() ? r->AddEnum(t.message, f, value) : r->SetEnum(t.message, f, value);
    }
    return true;
  }
  return set_from_text(t, v);
}

// Numbers and booleans given as strings ("42", "1.5", "Infinity", "true").
bool message_builder::set_from_text(target t, const std::string& v) {
  const FieldDescriptor* f = t.field;
  const char* first = v.data();
  const char* last = v.data() + v.size();
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_BOOL:
      if (v == "true" || v == "false") return set(t, v == "true");
      return type_error(f, "a string other than \"true\" or \"false\"");
    case FieldDescriptor::CPPTYPE_DOUBLE:
    case FieldDescriptor::CPPTYPE_FLOAT: {
      if (v == "Infinity") return store(t, std::numeric_limits<double>::infinity());
      if (v == "-Infinity") return store(t, -std::numeric_limits<double>::infinity());
      if (v == "NaN") return store(t, std::numeric_limits<double>::quiet_NaN());
      double d = 0;
      auto res = std::from_chars(first, last, d);
      if (res.ec != std::errc() || res.ptr != last) return type_error(f, "a non-numeric string");
      return store(t, d);
    }
    case FieldDescriptor::CPPTYPE_INT32:
    case FieldDescriptor::CPPTYPE_INT64: {
      std::int64_t i = 0;
      auto res = std::from_chars(first, last, i);
      if (res.ec != std::errc() || res.ptr != last) return type_error(f, "a non-integer string");
      return store(t, i);
    }
    case FieldDescriptor::CPPTYPE_UINT32:
    case FieldDescriptor::CPPTYPE_UINT64: {
      std::uint64_t u = 0;
      auto res = std::from_chars(first, last, u);
      if (res.ec != std::errc() || res.ptr != last) return type_error(f, "a non-integer string");
      return store(t, u);
    }
    default:
      return type_error(f, "a string");
  }
}

}  // namespace

boost::system::error_code read_json(std::string_view text, Message& message,
                                    std::size_t max_depth, diagnostics& diag) {
  message_builder builder(message, max_depth);
  bool ok = false;
  try {
    ok = json::sax_parse(text.begin(), text.end(), &builder);
  } catch (const std::exception& ex) {
    // nlohmann reports through parse_error; this only catches the unexpected
    // (e.g. allocation failure) so that nothing escapes to the caller.
    diag.set_message(std::string("JSON parser failed: ") + ex.what());
    return make_error_code(error::malformed_json);
  }
  if (ok) return {};
  error code = builder.code() == error{} ? error::malformed_json : builder.code();
  diag.set_message(builder.message());
  if (code == error::malformed_json) diag.set_byte_offset(builder.position());
  return make_error_code(code);
}

}  // namespace mesos_http::detail
