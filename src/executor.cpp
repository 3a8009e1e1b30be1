#include "executor_impl.hpp"

#include "io/completion.hpp"
#include "io/tls_context.hpp"

#include <mesos_http/error.hpp>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <random>

namespace mesos_http {

namespace asio = boost::asio;
using Call = mesos::v1::executor::Call;
using Event = mesos::v1::executor::Event;

namespace {

template <class Message>
std::string type_name(typename Message::Type type) {
  const std::string& name = Message::Type_Name(type);
  return name.empty() ? "UNKNOWN(" + std::to_string(static_cast<int>(type)) + ")" : name;
}

}  // namespace

// --- construction and run -------------------------------------------------

executor::impl::impl(asio::any_io_executor ex, executor_config cfg, executor_handlers on)
    : strand(asio::make_strand(ex)),
      config(std::move(cfg)),
      handlers(std::move(on)),
      callback_strand(
          asio::make_strand(handlers.callback_executor ? handlers.callback_executor : ex)),
      callbacks_inline(!handlers.callback_executor),
      log(config.log ? config.log : default_logger()),
      events_codec(config.content),
      target(config.agent),
      timer(strand),
      decoder(config.max_record_size) {
  if (!config.domain_socket.empty()) {
    // The socket path replaces host and port; these only make the Host
    // header ("localhost").
    target.tls = false;
    target.host = "localhost";
    target.port = default_port(false);
  }
  if (!config.authentication_token.empty()) {
    authorization = "Bearer " + config.authentication_token;
  }
}

void executor::impl::run(asio::any_completion_handler<run_signature> handler) {
  if (running || fsm) {
    return io::complete(std::move(handler), strand, make_error_code(error::protocol_violation));
  }
  if (target.tls) {
    diagnostics diag;
    if (auto ec = io::make_tls_context(config.tls, tls, diag)) {
      log->log(log_level::error, "executor configuration: " + diag.message());
      {
        std::lock_guard<std::mutex> lock(state_mutex);
        last_error = diag;
      }
      return io::complete(std::move(handler), strand, ec);
    }
    if (!config.tls.verify_peer) {
      log->log(log_level::warning,
               "TLS peer verification is OFF: any server can pose as the agent");
    }
  }
  running = true;
  run_handler.emplace(std::move(handler));
  fsm.emplace(detail::make_executor_fsm_settings(config, std::random_device{}()));
  log->log(log_level::debug,
           "executor subscribing at " + target.to_string() +
               (config.domain_socket.empty() ? "" : " via " + config.domain_socket));
  apply(fsm->start(clock::now()));
}

void executor::impl::finish_run() {
  if (!running) return;
  running = false;
  const boost::system::error_code ec = fsm->shutdown_reason();
  publish();
  const std::string why = fsm->shutdown_diagnostics().message();
  if (ec == error::stopped || ec == error::executor_shutdown) {
    log->log(log_level::info, "executor done: " + why);
  } else {
    log->log(log_level::error, "executor done: " + why);
  }
  if (!run_handler) return;
  auto handler = std::move(*run_handler);
  run_handler.reset();
  // After the callbacks already queued, so `disconnected` and `error` come
  // first.
  asio::post(callback_strand, [h = std::move(handler), ec, s = strand]() mutable {
    io::complete(std::move(h), s, ec);
  });
}

void executor::impl::stop() {
  if (!fsm || fsm->shut_down()) return;
  apply(fsm->stop(clock::now()));
}

// --- calls ----------------------------------------------------------------

void executor::impl::pending_call::answered(io::call_op_ptr self,
                                            const boost::system::error_code& transport_ec,
                                            const detail::http_response_head& head) {
  std::unique_ptr<pending_call> op(static_cast<pending_call*>(self.release()));
  auto owner = std::move(op->owner);
  boost::system::error_code ec = transport_ec;
  diagnostics diag;
  if (!ec && head.status != 202 && head.status != 200) {
    ec = detail::error_for_status(head.status);
    diag.set_http_status(head.status);
    diag.set_body_excerpt(head.body);
  }
  if (ec) {
    diag.set_message(type_name<Call>(op->type) + " failed: " + ec.message() +
                     (head.body.empty() ? "" : " (" + head.body.substr(0, 200) + ")"));
    {
      std::lock_guard<std::mutex> lock(owner->state_mutex);
      ++owner->counters.call_failures_by_reason[ec.message()];
    }
    if (!op->handler) owner->log->log(log_level::warning, diag.message());
  }
  if (op->handler) io::complete(std::move(*op->handler), owner->strand, ec, diag);
}

void executor::impl::open_calls() {
  if (calls && calls_generation == fsm->generation()) return;
  calls_generation = fsm->generation();
  io::call_channel_settings s;
  s.target = target;
  s.content = config.content;
  s.authorization = authorization;
  s.user_agent = "mesos-http/0.1";
  s.timeout = config.subscribe_timeout;
  s.tls = tls ? &*tls : nullptr;
  s.verify_peer = config.tls.verify_peer;
  s.local_path = config.domain_socket;
  s.bytes_sent_total = bytes_out;
  calls = std::make_shared<io::call_channel>(strand, std::move(s));
}

void executor::impl::reset_calls() {
  if (!calls) return;
  auto channel = std::move(calls);
  channel->close(make_error_code(error::not_subscribed));
}

void executor::impl::fail_call(Call::Type type, const boost::system::error_code& ec,
                               std::string text,
                               asio::any_completion_handler<call_signature> handler) {
  {
    std::lock_guard<std::mutex> lock(state_mutex);
    ++counters.call_failures_by_reason[ec.message()];
  }
  diagnostics diag;
  diag.set_message(std::move(text));
  if (!handler) {
    log->log(log_level::warning, type_name<Call>(type) + ": " + diag.message());
    return;
  }
  io::complete_later(std::move(handler), strand, ec, diag);
}

void executor::impl::send_call(const Call& call,
                               asio::any_completion_handler<call_signature> handler) {
  auto op = std::make_unique<pending_call>();
  diagnostics diag;
  if (auto ec = codec(config.content).encode(call, op->body, diag)) {
    return fail_call(call.type(), ec, diag.message(), std::move(handler));
  }
  count_call(call.type());
  op->owner = shared_from_this();
  op->type = call.type();
  if (handler) op->handler.emplace(std::move(handler));
  open_calls();
  calls->send(std::move(op));
}

void executor::impl::update(mesos::v1::TaskStatus& status,
                            asio::any_completion_handler<call_signature> handler) {
  if (!live()) {
    return fail_call(Call::UPDATE, error::stopped,
                     "cannot send UPDATE: the executor is not running (nothing kept)",
                     std::move(handler));
  }
  // Checked before the machine keeps it: an update that cannot be encoded
  // would spoil every later SUBSCRIBE.
  if (!status.IsInitialized()) {
    return fail_call(Call::UPDATE, error::invalid_update,
                     "status update lacks required fields: " + status.InitializationErrorString(),
                     std::move(handler));
  }
  const std::string task = status.task_id().value();
  Call call;
  diagnostics diag;
  if (auto ec = fsm->update(std::move(status), std::chrono::system_clock::now(), call, diag)) {
    return fail_call(Call::UPDATE, ec, diag.message(), std::move(handler));
  }
  publish();
  if (!fsm->subscribed()) {
    return fail_call(Call::UPDATE, error::not_subscribed,
                     "not subscribed: the update of task '" + task +
                         "' is kept and goes to the agent with the next subscription",
                     std::move(handler));
  }
  send_call(call, std::move(handler));
}

void executor::impl::message(std::string& data,
                             asio::any_completion_handler<call_signature> handler) {
  if (!live()) {
    return fail_call(Call::MESSAGE, error::stopped,
                     "cannot send MESSAGE: the executor is not running", std::move(handler));
  }
  if (!fsm->subscribed()) {
    return fail_call(Call::MESSAGE, error::not_subscribed,
                     "cannot send MESSAGE: not subscribed (dropped)", std::move(handler));
  }
  send_call(fsm->message_call(std::move(data)), std::move(handler));
}

// Updates made after the SUBSCRIBE of this connection was built (while it
// was on its way) are not in it: send them now that calls are possible.
void executor::impl::send_late_updates() {
  for (const auto& update : fsm->unacknowledged_updates()) {
    const std::string& uuid = update.status().uuid();
    if (std::find(subscribe_uuids.begin(), subscribe_uuids.end(), uuid) != subscribe_uuids.end()) {
      continue;
    }
    subscribe_uuids.push_back(uuid);
    Call call;
    call.set_type(Call::UPDATE);
    *call.mutable_framework_id() = config.framework_id;
    *call.mutable_executor_id() = config.executor_id;
    *call.mutable_update() = update;
    send_call(call, {});
  }
}

// --- callbacks and metrics ------------------------------------------------

void executor::impl::deliver(const Event& e) {
  if (callbacks_inline) {
    if (!detached.load()) dispatch_event(e);
    return;
  }
  callback([this, e] { dispatch_event(e); });
}

void executor::impl::dispatch_event(const Event& e) {
  const auto& h = handlers;
  if (h.event) h.event(e);
  switch (e.type()) {
    case Event::SUBSCRIBED:
      if (h.subscribed) h.subscribed(e.subscribed());
      break;
    case Event::LAUNCH:
      if (h.launch) h.launch(e.launch());
      break;
    case Event::LAUNCH_GROUP:
      if (h.launch_group) h.launch_group(e.launch_group());
      break;
    case Event::KILL:
      if (h.kill) h.kill(e.kill());
      break;
    case Event::ACKNOWLEDGED:
      if (h.acknowledged) h.acknowledged(e.acknowledged());
      break;
    case Event::MESSAGE:
      if (h.message) h.message(e.message());
      break;
    case Event::SHUTDOWN:
      if (h.shutdown) h.shutdown();
      break;
    case Event::ERROR:
      if (h.error) h.error(e.error());
      break;
    case Event::HEARTBEAT:
      if (h.heartbeat) h.heartbeat();
      break;
    default:
      break;  // a type this schema does not know: `event` saw it
  }
}

// Copies what other threads may read. Executor traffic is a handful of
// events and calls per task, so a lock per change costs nothing that
// matters.
void executor::impl::publish(bool new_info) {
  if (!fsm) return;
  const detail::executor_counters c = fsm->counters();
  std::lock_guard<std::mutex> lock(state_mutex);
  subscribed = fsm->subscribed();
  if (new_info) subscribed_info = fsm->subscribed_info();
  if (fsm->shut_down()) {
    last_error = fsm->shutdown_diagnostics();
  } else if (failure) {
    last_error = failure_diag;
  }
  counters.connect_attempts = c.connect_attempts;
  counters.reconnects = c.connect_attempts > 0 ? c.connect_attempts - 1 : 0;
  counters.failed_attempts = c.failed_attempts;
  counters.subscriptions = c.subscriptions;
  counters.resubscriptions = c.resubscriptions;
  counters.updates_sent = c.updates_sent;
  counters.updates_acknowledged = c.updates_acknowledged;
  counters.unknown_acknowledgements = c.unknown_acknowledgements;
  counters.pending_updates = c.pending_updates;
  counters.unacknowledged_tasks = c.unacknowledged_tasks;
}

void executor::impl::count_call(Call::Type type) {
  std::lock_guard<std::mutex> lock(state_mutex);
  ++counters.calls_by_type[type_name<Call>(type)];
  if (type == Call::HEARTBEAT) ++counters.heartbeats_sent;
}

void executor::impl::count_event(Event::Type type) {
  std::lock_guard<std::mutex> lock(state_mutex);
  ++counters.events_by_type[type_name<Event>(type)];
}

// --- public API -----------------------------------------------------------

executor::executor(executor_type ex, executor_config config, executor_handlers handlers)
    : impl_(std::make_shared<impl>(std::move(ex), std::move(config), std::move(handlers))) {}

executor::executor(executor_config config, executor_handlers handlers)
    : own_loop_(std::make_unique<asio::io_context>()),
      impl_(std::make_shared<impl>(own_loop_->get_executor(), std::move(config),
                                   std::move(handlers))) {}

executor::~executor() {
  impl_->detached.store(true);
  stop();
}

boost::system::error_code executor::run() {
  if (!own_loop_) return make_error_code(boost::system::errc::operation_not_permitted);
  boost::system::error_code result;
  async_run([&result](boost::system::error_code ec) { result = ec; });
  own_loop_->run();
  own_loop_->restart();
  return result;
}

executor::executor_type executor::get_executor() const noexcept { return impl_->strand; }

void executor::start_run(asio::any_completion_handler<run_signature> handler) {
  asio::post(impl_->strand,
             [self = impl_, h = std::move(handler)]() mutable { self->run(std::move(h)); });
}

// dispatch, not post: an update sent from a callback (which runs on the
// strand) is taken at once, in the state the callback saw.
void executor::start_update(mesos::v1::TaskStatus&& status,
                            asio::any_completion_handler<call_signature> handler) {
  if (impl_->strand.running_in_this_thread()) return impl_->update(status, std::move(handler));
  asio::post(impl_->strand,
             [self = impl_, status = std::move(status), h = std::move(handler)]() mutable {
               self->update(status, std::move(h));
             });
}

void executor::start_message(std::string&& data,
                             asio::any_completion_handler<call_signature> handler) {
  if (impl_->strand.running_in_this_thread()) return impl_->message(data, std::move(handler));
  asio::post(impl_->strand,
             [self = impl_, data = std::move(data), h = std::move(handler)]() mutable {
               self->message(data, std::move(h));
             });
}

void executor::send_update(mesos::v1::TaskStatus status) {
  start_update(std::move(status), asio::any_completion_handler<call_signature>());
}

void executor::send_message(std::string data) {
  start_message(std::move(data), asio::any_completion_handler<call_signature>());
}

void executor::stop() {
  asio::post(impl_->strand, [self = impl_]() { self->stop(); });
}

bool executor::is_subscribed() const {
  std::lock_guard<std::mutex> lock(impl_->state_mutex);
  return impl_->subscribed;
}

std::optional<mesos::v1::executor::Event::Subscribed> executor::subscribed_info() const {
  std::lock_guard<std::mutex> lock(impl_->state_mutex);
  return impl_->subscribed_info;
}

diagnostics executor::last_error() const {
  std::lock_guard<std::mutex> lock(impl_->state_mutex);
  return impl_->last_error;
}

executor_metrics executor::metrics() const {
  executor_metrics copy;
  {
    std::lock_guard<std::mutex> lock(impl_->state_mutex);
    copy = impl_->counters;
  }
  copy.bytes_received = impl_->bytes_in.load(std::memory_order_relaxed);
  copy.bytes_sent = impl_->bytes_out->load(std::memory_order_relaxed);
  return copy;
}

}  // namespace mesos_http
