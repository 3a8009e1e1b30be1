// Uses the installed simulator library: a cluster, one subscription, and the
// SUBSCRIBED event it queues.
#include <mesos_http/sim/cluster.hpp>

#include <iostream>

int main() {
  using namespace mesos_http::sim;
  cluster c(cluster_config{}, sim_clock::now());
  mesos::v1::scheduler::Call call;
  call.set_type(mesos::v1::scheduler::Call::SUBSCRIBE);
  call.mutable_subscribe()->mutable_framework_info()->set_user("nobody");
  call.mutable_subscribe()->mutable_framework_info()->set_name("consumer");
  auto sub = c.subscribe(call, sim_clock::now());
  auto deliveries = c.take_deliveries();
  if (sub.error || deliveries.empty() || !deliveries.front().event ||
      deliveries.front().event->type() != mesos::v1::scheduler::Event::SUBSCRIBED) {
    std::cerr << "no SUBSCRIBED\n";
    return 1;
  }
  std::cout << "sim consumer ok: " << sub.framework_id << '\n';
  return 0;
}
