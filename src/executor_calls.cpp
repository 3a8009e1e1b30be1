// The executor Call builders, per `validateExecutorCall`
// (src/common/validation.cpp); see ../shared/protocol.md e.1.
#include <mesos_http/executor_calls.hpp>

#include <cstdint>
#include <random>
#include <utility>

namespace mesos_http::executor_calls {

namespace {

call typed(const ids& who, call::Type type) {
  call c;
  *c.mutable_framework_id() = who.framework_id;
  *c.mutable_executor_id() = who.executor_id;
  c.set_type(type);
  return c;
}

}  // namespace

std::string random_uuid() {
  // Seeded once per thread from the system's entropy source; uniqueness is
  // what matters here, not secrecy.
  static thread_local std::mt19937_64 rng = [] {
    std::random_device device;
    std::seed_seq seed{device(), device(), device(), device()};
    return std::mt19937_64(seed);
  }();
  std::string out(16, '\0');
  for (int half = 0; half < 2; ++half) {
    std::uint64_t bits = rng();
    for (int i = 0; i < 8; ++i, bits >>= 8) {
      out[static_cast<std::size_t>(half * 8 + i)] = static_cast<char>(bits & 0xff);
    }
  }
  out[6] = static_cast<char>((static_cast<unsigned char>(out[6]) & 0x0f) | 0x40);  // version 4
  out[8] = static_cast<char>((static_cast<unsigned char>(out[8]) & 0x3f) | 0x80);  // variant
  return out;
}

double to_timestamp(std::chrono::system_clock::time_point t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

call subscribe(const ids& who, std::vector<mesos::v1::TaskInfo> unacknowledged_tasks,
               std::vector<call::Update> unacknowledged_updates) {
  call c = typed(who, call::SUBSCRIBE);
  auto* s = c.mutable_subscribe();
  s->mutable_unacknowledged_tasks()->Reserve(static_cast<int>(unacknowledged_tasks.size()));
  for (auto& task : unacknowledged_tasks) *s->add_unacknowledged_tasks() = std::move(task);
  s->mutable_unacknowledged_updates()->Reserve(static_cast<int>(unacknowledged_updates.size()));
  for (auto& u : unacknowledged_updates) *s->add_unacknowledged_updates() = std::move(u);
  return c;
}

call update(const ids& who, mesos::v1::TaskStatus status, std::string uuid,
            std::chrono::system_clock::time_point timestamp) {
  call c = typed(who, call::UPDATE);
  status.set_uuid(std::move(uuid));
  status.set_source(mesos::v1::TaskStatus::SOURCE_EXECUTOR);
  *status.mutable_executor_id() = who.executor_id;
  if (!status.has_timestamp()) status.set_timestamp(to_timestamp(timestamp));
  *c.mutable_update()->mutable_status() = std::move(status);
  return c;
}

call update(const ids& who, mesos::v1::TaskStatus status) {
  return update(who, std::move(status), random_uuid(), std::chrono::system_clock::now());
}

call message(const ids& who, std::string data) {
  call c = typed(who, call::MESSAGE);
  c.mutable_message()->set_data(std::move(data));
  return c;
}

call heartbeat(const ids& who) { return typed(who, call::HEARTBEAT); }

}  // namespace mesos_http::executor_calls
