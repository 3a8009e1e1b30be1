// Sample Mesos messages for tests, fuzz seeds and benchmarks: one of every
// scheduler and executor call and event, with realistic contents.
#ifndef MESOS_HTTP_TEST_SUPPORT_MESSAGES_HPP
#define MESOS_HTTP_TEST_SUPPORT_MESSAGES_HPP

#include <mesos/v1/executor/executor.pb.h>
#include <mesos/v1/scheduler/scheduler.pb.h>

#include <string>
#include <vector>

namespace mesos_http::test {

/// A 16-byte status update uuid (bytes 0x00..0x0f plus `salt`).
std::string sample_uuid(int salt = 0);

/// An offer of about 600 bytes of protobuf: agent, hostname, cpus/mem/disk,
/// port ranges, a reservation and attributes. `index` varies the ids.
mesos::v1::Offer sample_offer(int index);

/// A command task on `offer`'s agent.
mesos::v1::TaskInfo sample_task(const mesos::v1::Offer& offer, const std::string& id);

/// One Call of every scheduler call type (SUBSCRIBE .. UPDATE_FRAMEWORK),
/// and an ACCEPT with every offer operation type.
std::vector<mesos::v1::scheduler::Call> sample_scheduler_calls();

/// One Event of every scheduler event type.
std::vector<mesos::v1::scheduler::Event> sample_scheduler_events();

/// One Call of every executor call type.
std::vector<mesos::v1::executor::Call> sample_executor_calls();

/// One Event of every executor event type.
std::vector<mesos::v1::executor::Event> sample_executor_events();

/// An OFFERS event holding `count` sample offers.
mesos::v1::scheduler::Event sample_offers_event(int count, int first_index = 0);

}  // namespace mesos_http::test

#endif  // MESOS_HTTP_TEST_SUPPORT_MESSAGES_HPP
