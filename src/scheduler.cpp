#include "scheduler_impl.hpp"

#include "detail/base64.hpp"
#include "io/completion.hpp"
#include "io/tls_context.hpp"

#include <mesos_http/codec.hpp>
#include <mesos_http/error.hpp>
#include <mesos_http/scheduler_calls.hpp>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <random>

namespace mesos_http {

namespace asio = boost::asio;
using mesos::v1::scheduler::Call;
using mesos::v1::scheduler::Event;

namespace {

constexpr std::string_view api_path = "/api/v1/scheduler";

std::string authorization_value(const std::optional<credentials>& auth) {
  if (!auth) return {};
  if (!auth->bearer_token.empty()) return "Bearer " + auth->bearer_token;
  if (auth->principal.empty()) return {};
  std::string value = "Basic ";
  detail::base64_append(value, auth->principal + ":" + auth->secret);
  return value;
}

// A call's completion, from the strand. When the handler has no executor of
// its own (it runs on the strand, which is running now) this is what
// dispatch would do, minus wrapping the handler in one more function object
// and asking the type-erased handler for its executor (a copy of a strand).
template <class Strand>
void complete_on_strand(asio::any_completion_handler<scheduler::send_signature> handler,
                        bool own_executor, const Strand& strand,
                        const boost::system::error_code& ec, const diagnostics& diag) {
  if (!own_executor) return std::move(handler)(ec, diag);
  auto ex = asio::get_associated_executor(handler, strand);
  if (const auto* same = ex.template target<Strand>(); same && *same == strand) {
    return std::move(handler)(ec, diag);
  }
  io::complete(std::move(handler), strand, ec, diag);
}

}  // namespace

// --- construction and run -------------------------------------------------

scheduler::impl::impl(asio::any_io_executor executor, scheduler_config cfg, scheduler_handlers on)
    : strand(asio::make_strand(executor)),
      config(std::move(cfg)),
      handlers(std::move(on)),
      callback_strand(
          asio::make_strand(handlers.callback_executor ? handlers.callback_executor : executor)),
      callbacks_inline(!handlers.callback_executor),
      log(config.log ? config.log : default_logger()),
      timer(strand) {}

void scheduler::impl::run(asio::any_completion_handler<run_signature> handler) {
  if (running || fsm) {
    diagnostics diag;
    return io::complete(std::move(handler), strand, make_error_code(error::protocol_violation));
  }
  running = true;
  run_handler.emplace(std::move(handler));
  diagnostics diag;
  if (auto ec = prepare(diag)) {
    {
      std::lock_guard<std::mutex> lock(state_mutex);
      last_error = diag;
    }
    log->log(log_level::error, "scheduler configuration: " + diag.message());
    running = false;
    auto h = std::move(*run_handler);
    run_handler.reset();
    return io::complete(std::move(h), strand, ec);
  }
  apply(fsm->start(clock::now()));
}

boost::system::error_code scheduler::impl::prepare(diagnostics& diag) {
  detail::subscription_settings s;
  boost::system::error_code ec;
  bool any_tls = false;
  for (const auto& text : config.masters) {
    auto parsed = parse_url(text, ec, diag);
    if (!parsed) return ec;
    any_tls = any_tls || parsed->tls;
    s.masters.push_back(endpoint_url(*parsed, api_path));
  }
  if (s.masters.empty()) {
    diag.set_message("no master URL configured");
    return error::no_master_available;
  }
  std::string probe;
  if (auto bad = codec(content_type::protobuf).encode(config.framework, probe, diag)) {
    diag.set_message("FrameworkInfo: " + diag.message());
    return bad;
  }
  if (any_tls) {
    if (auto bad = io::make_tls_context(config.tls, tls, diag)) return bad;
    if (!config.tls.verify_peer) {
      log->log(log_level::warning,
               "TLS peer verification is OFF: any server can pose as the master");
    }
  }
  s.content = config.content;
  s.framework = config.framework;
  s.authorization = authorization_value(config.auth);
  s.user_agent = "mesos-http/0.1";
  s.max_redirects = config.max_redirects;
  s.backoff = config.backoff;
  s.backoff_seed = std::random_device{}();
  s.heartbeat_misses = config.heartbeat_misses;
  s.heartbeat_slack = config.heartbeat_slack;
  s.heartbeat_watchdog = config.heartbeat_watchdog;
  s.subscribe_timeout = config.subscribe_timeout;
  s.max_record_size = config.max_record_size;
  s.retry_unauthorized = config.auth && static_cast<bool>(config.auth->refresh_token);
  fsm.emplace(std::move(s));
  return {};
}

void scheduler::impl::finish_run() {
  if (!running) return;
  running = false;
  auto ec = fsm->final_error();
  {
    std::lock_guard<std::mutex> lock(state_mutex);
    last_error = fsm->final_diagnostics();
    subscribed = false;
  }
  if (ec != error::stopped) {
    log->log(log_level::error, "scheduler stopped: " + fsm->final_diagnostics().message());
  }
  if (!run_handler) return;
  auto handler = std::move(*run_handler);
  run_handler.reset();
  // After the callbacks already queued, so `disconnected`/`error` come first.
  asio::post(callback_strand, [h = std::move(handler), ec, s = strand]() mutable {
    io::complete(std::move(h), s, ec);
  });
}

void scheduler::impl::stop() {
  if (!fsm || fsm->stopped()) return;
  apply(fsm->stop(clock::now()));
}

// --- notices and callbacks ------------------------------------------------

void scheduler::impl::publish_notices() {
  if (!fsm) return;
  refresh_snapshot();
  if (fsm->subscribed() && calls_generation != fsm->generation()) {
    calls_generation = fsm->generation();
    io::call_channel_settings s;
    s.target = fsm->target();
    s.content = config.content;
    s.authorization = authorization_value(config.auth);
    s.user_agent = "mesos-http/0.1";
    s.timeout = config.call_timeout;
    s.max_redirects = config.max_redirects;
    s.tls = tls ? &*tls : nullptr;
    s.verify_peer = config.tls.verify_peer;
    s.bytes_sent_total = bytes_out;
    s.stream_id = [weak = weak_from_this()]() -> std::string {
      auto self = weak.lock();
      return self && self->fsm ? self->fsm->stream_id() : std::string();
    };
    calls = std::make_shared<io::call_channel>(strand, std::move(s));
  }
  fsm->drain_notices([this](const detail::subscription_notice& n) { deliver(n); });
}

// Copies what other threads may read (subscribed, framework id, last error)
// under the lock, but only when the subscription changed: not per event.
void scheduler::impl::refresh_snapshot() {
  if (published_generation == fsm->generation() && published_subscribed == fsm->subscribed() &&
      published_stopped == fsm->stopped() && published_reconnects == fsm->reconnects()) {
    return;
  }
  published_generation = fsm->generation();
  published_subscribed = fsm->subscribed();
  published_stopped = fsm->stopped();
  published_reconnects = fsm->reconnects();
  {
    std::lock_guard<std::mutex> lock(state_mutex);
    subscribed = fsm->subscribed();
    known_framework_id = fsm->framework_id();
    if (!fsm->final_diagnostics().empty()) last_error = fsm->final_diagnostics();
  }
  with_metrics([&](scheduler_metrics& m) { m.redirects = fsm->redirects(); });
}

void scheduler::impl::count_event(const Event& event) {
  auto type = static_cast<std::size_t>(event.type());
  if (type < type_slots) {
    event_counts[type].fetch_add(1, std::memory_order_relaxed);
  } else {
    with_metrics(
        [&](scheduler_metrics& m) { ++m.events_by_type["UNKNOWN(" + std::to_string(type) + ")"]; });
  }
  if (event.type() == Event::SUBSCRIBED) failed_attempts = 0;
  if (event.type() == Event::SUBSCRIBED ||
      (event.type() == Event::UPDATE && event.update().status().has_uuid())) {
    with_metrics([&](scheduler_metrics& m) {
      if (event.type() == Event::SUBSCRIBED)
        ++m.subscriptions;
      else
        ++m.outstanding_acknowledgements;
    });
  }
}

void scheduler::impl::deliver(const detail::subscription_notice& notice) {
  using kind = detail::subscription_notice::kind;
  if (notice.what == kind::event) {
    count_event(notice.event);
  } else if (notice.what == kind::disconnected) {
    if (notice.ec != error::stopped) {
      with_metrics([&](scheduler_metrics& m) { ++m.reconnects_by_reason[notice.ec.message()]; });
    }
    // A lost stream is logged with its retry (note_failed_attempt), a
    // terminal one by finish_run; only a requested stop is noted here.
    if (notice.ec == error::stopped)
      log->log(log_level::info, "disconnected: " + notice.diag.message());
  }
  auto run_callbacks = [this](const detail::subscription_notice& n) {
    if (detached.load()) return;
    switch (n.what) {
      case kind::connected:
        if (handlers.connected) handlers.connected();
        break;
      case kind::disconnected:
        if (handlers.disconnected) handlers.disconnected(n.ec, n.diag);
        break;
      case kind::event:
        dispatch_event(n.event);
        acknowledge_after_callback(n.event);
        break;
    }
  };
  if (callbacks_inline) return run_callbacks(notice);
  // The notice's slot is reused: the other executor gets a copy.
  asio::post(callback_strand,
             [self = shared_from_this(), n = notice, run_callbacks]() { run_callbacks(n); });
}

void scheduler::impl::dispatch_event(const Event& e) {
  const auto& h = handlers;
  if (h.event) h.event(e);
  switch (e.type()) {
    case Event::SUBSCRIBED:
      if (h.subscribed) h.subscribed(e.subscribed());
      break;
    case Event::OFFERS:
      if (h.offers) h.offers(e.offers());
      break;
    case Event::INVERSE_OFFERS:
      if (h.inverse_offers) h.inverse_offers(e.inverse_offers());
      break;
    case Event::RESCIND:
      if (h.rescind) h.rescind(e.rescind());
      break;
    case Event::RESCIND_INVERSE_OFFER:
      if (h.rescind_inverse_offer) h.rescind_inverse_offer(e.rescind_inverse_offer());
      break;
    case Event::UPDATE:
      if (h.update) h.update(e.update());
      break;
    case Event::UPDATE_OPERATION_STATUS:
      if (h.update_operation_status) h.update_operation_status(e.update_operation_status());
      break;
    case Event::MESSAGE:
      if (h.message) h.message(e.message());
      break;
    case Event::FAILURE:
      if (h.failure) h.failure(e.failure());
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

void scheduler::impl::acknowledge_after_callback(const Event& e) {
  if (!config.auto_acknowledge || e.type() != Event::UPDATE) return;
  const auto& status = e.update().status();
  if (!status.has_uuid()) return;
  Call call;
  call.set_type(Call::ACKNOWLEDGE);
  auto* ack = call.mutable_acknowledge();
  *ack->mutable_agent_id() = status.agent_id();
  *ack->mutable_task_id() = status.task_id();
  ack->set_uuid(status.uuid());
  asio::post(strand, [self = shared_from_this(), call = std::move(call)]() mutable {
    self->send_owned(call,
                     asio::any_completion_handler<send_signature>(
                         [](boost::system::error_code, diagnostics) {}),
                     false);
  });
}

// --- calls ----------------------------------------------------------------

void scheduler::impl::pending_call::answered(io::call_op_ptr self,
                                             const boost::system::error_code& ec,
                                             const detail::http_response_head& head) {
  std::unique_ptr<pending_call> op(static_cast<pending_call*>(self.release()));
  auto keep = std::move(op->owner);
  keep->on_call_done(std::move(op), ec, head);
}

void scheduler::impl::send(const Call& call, asio::any_completion_handler<send_signature> handler,
                           bool own_executor) {
  auto type = call.type();
  if (!fsm || !fsm->subscribed() || !calls) {
    with_metrics([](scheduler_metrics& m) { ++m.call_failures_by_reason["not_subscribed"]; });
    diagnostics diag;
    diag.set_message(std::string("cannot send ") + Call::Type_Name(type) + ": not subscribed");
    return io::complete_later(std::move(handler), strand, make_error_code(error::not_subscribed),
                              diag);
  }
  // framework_id is field 1 of Call, so protobuf's own (canonical) order
  // writes it first: prepending its encoded bytes gives the same body as
  // setting it, without copying the id into every Call (or the call).
  const bool prepend_framework =
      prepends_framework_id(call) && !call.has_framework_id() && fsm->framework_id();
  std::optional<Call> with_id;
  if (!prepend_framework && !call.has_framework_id() && fsm->framework_id()) {
    // Also fills UPDATE_FRAMEWORK's FrameworkInfo.id, which must match.
    with_id.emplace(call);
    calls::set_framework(*with_id, *fsm->framework_id());
  }
  std::unique_ptr<pending_call> op = take_spare_call();
  op->body.clear();
  if (prepend_framework) op->body.append(framework_id_field());
  diagnostics diag;
  if (auto ec = codec(config.content).encode_append(with_id ? *with_id : call, op->body, diag)) {
    with_metrics([](scheduler_metrics& m) { ++m.call_failures_by_reason["encode"]; });
    return io::complete_later(std::move(handler), strand, ec, diag);
  }
  if (static_cast<std::size_t>(type) < type_slots) {
    call_counts[static_cast<std::size_t>(type)].fetch_add(1, std::memory_order_relaxed);
  }
  op->owner = shared_from_this();
  op->handler.emplace(std::move(handler));
  op->own_executor = own_executor;
  op->type = type;
  if (config.auth) op->token = config.auth->bearer_token;
  calls->send(std::move(op));
}

// A call the scheduler may change: the framework id that cannot be prepended
// (JSON, UPDATE_FRAMEWORK) goes into it rather than into a copy.
void scheduler::impl::send_owned(Call& call, asio::any_completion_handler<send_signature> handler,
                                 bool own_executor) {
  if (fsm && fsm->subscribed() && fsm->framework_id() && !call.has_framework_id() &&
      !prepends_framework_id(call)) {
    calls::set_framework(call, *fsm->framework_id());
  }
  send(call, std::move(handler), own_executor);
}

bool scheduler::impl::prepends_framework_id(const Call& call) const {
  return config.content == content_type::protobuf && call.type() != Call::SUBSCRIBE &&
         call.type() != Call::UPDATE_FRAMEWORK;
}

// Call.framework_id (field 1, length-delimited) encoded, for the current id.
const std::string& scheduler::impl::framework_id_field() {
  const auto& id = *fsm->framework_id();
  if (encoded_framework_id.empty() || encoded_framework_id_value != id.value()) {
    encoded_framework_id_value = id.value();
    Call only_id;
    *only_id.mutable_framework_id() = id;
    encoded_framework_id.clear();
    only_id.AppendPartialToString(&encoded_framework_id);
  }
  return encoded_framework_id;
}

std::unique_ptr<scheduler::impl::pending_call> scheduler::impl::take_spare_call() {
  if (spare_calls.empty()) return std::make_unique<pending_call>();
  auto op = std::move(spare_calls.back());
  spare_calls.pop_back();
  return op;
}

void scheduler::impl::keep_spare_call(std::unique_ptr<pending_call> op) {
  // A big ACCEPT's body is not worth keeping; neither is an unbounded pool.
  constexpr std::size_t max_spare = 1024, max_kept_body = 16 * 1024;
  if (spare_calls.size() >= max_spare || op->body.capacity() > max_kept_body) return;
  op->hops = 0;
  op->token.clear();
  spare_calls.push_back(std::move(op));
}

void scheduler::impl::on_call_done(std::unique_ptr<pending_call> op,
                                   const boost::system::error_code& ec,
                                   const detail::http_response_head& head) {
  const Call::Type type = op->type;
  const std::string& token = op->token;
  // A bearer token that expired while subscribed: Mesos authenticates each
  // request, so the stream lives on but calls get 401. Refresh once per
  // expired token (pipelined calls share it); this call still fails with
  // `unauthorized`, later calls and resubscriptions carry the new token.
  if (!ec && head.status == 401 && config.auth && config.auth->refresh_token &&
      config.auth->bearer_token == token) {
    config.auth->bearer_token = config.auth->refresh_token();
    std::string value = "Bearer " + config.auth->bearer_token;
    if (calls) calls->set_authorization(value);
    if (fsm) fsm->set_authorization(value);
    log->log(log_level::info, "bearer token refreshed after a call's 401");
  }
  if (!ec && (head.status == 202 || head.status == 200) && type == Call::ACKNOWLEDGE) {
    with_metrics([](scheduler_metrics& m) {
      ++m.acknowledgements_sent;
      if (m.outstanding_acknowledgements > 0) --m.outstanding_acknowledgements;
    });
  }
  auto handler = std::move(*op->handler);
  op->handler.reset();
  const bool own_executor = op->own_executor;
  keep_spare_call(std::move(op));
  on_call_answer(type, ec, head, std::move(handler), own_executor);
}

void scheduler::impl::on_call_answer(Call::Type type, const boost::system::error_code& transport_ec,
                                     const detail::http_response_head& head,
                                     asio::any_completion_handler<send_signature> handler,
                                     bool own_executor) {
  diagnostics diag;
  boost::system::error_code ec = transport_ec;
  if (!ec && head.status != 202 && head.status != 200) {
    ec = detail::error_for_status(head.status);
    diag.set_http_status(head.status);
    diag.set_body_excerpt(head.body);
  }
  if (ec) {
    diag.set_message(std::string(Call::Type_Name(type)) + " failed: " + ec.message() +
                     (head.body.empty() ? "" : " (" + head.body.substr(0, 200) + ")"));
    with_metrics([&](scheduler_metrics& m) { ++m.call_failures_by_reason[ec.message()]; });
    // The master no longer knows this subscription: get a new one.
    bool lost = (head.status == 403 && head.body.find("not subscribed") != std::string::npos) ||
                (head.status == 400 && head.body.find("cannot be found") != std::string::npos);
    if (lost && fsm && fsm->subscribed()) {
      apply(fsm->reconnect(ec, diag.message(), clock::now()));
    }
  } else if (type == Call::TEARDOWN && fsm && !fsm->stopped()) {
    // The framework no longer exists: resubscribing would register a new one.
    apply(fsm->stop(clock::now(), "framework torn down (TEARDOWN accepted)"));
  }
  complete_on_strand(std::move(handler), own_executor, strand, ec, diag);
}

void scheduler::impl::reset_calls(const boost::system::error_code& reason) {
  if (!calls) return;
  auto channel = std::move(calls);
  channel->close(reason);
}

// --- public API -----------------------------------------------------------

scheduler::scheduler(executor_type executor, scheduler_config config, scheduler_handlers handlers)
    : impl_(std::make_shared<impl>(std::move(executor), std::move(config), std::move(handlers))) {}

scheduler::scheduler(scheduler_config config, scheduler_handlers handlers)
    : own_loop_(std::make_unique<asio::io_context>()),
      impl_(std::make_shared<impl>(own_loop_->get_executor(), std::move(config),
                                   std::move(handlers))) {}

boost::system::error_code scheduler::run() {
  if (!own_loop_) return make_error_code(boost::system::errc::operation_not_permitted);
  boost::system::error_code result;
  async_run([&result](boost::system::error_code ec) { result = ec; });
  own_loop_->run();
  own_loop_->restart();
  return result;
}

scheduler::~scheduler() {
  impl_->detached.store(true);
  stop();
}

scheduler::executor_type scheduler::get_executor() const noexcept { return impl_->strand; }

void scheduler::start_run(asio::any_completion_handler<run_signature> handler) {
  asio::post(impl_->strand,
             [self = impl_, h = std::move(handler)]() mutable { self->run(std::move(h)); });
}

// dispatch, not post: a call made from a callback (which runs on the strand)
// joins the call queue at once, so the calls of one batch of events leave in
// one write.
void scheduler::start_send(const Call& call, asio::any_completion_handler<send_signature> handler,
                           bool own_executor) {
  if (impl_->strand.running_in_this_thread()) {
    return impl_->send(call, std::move(handler), own_executor);
  }
  start_send(Call(call), std::move(handler), own_executor);
}

void scheduler::start_send(Call&& call, asio::any_completion_handler<send_signature> handler,
                           bool own_executor) {
  if (impl_->strand.running_in_this_thread()) {
    return impl_->send_owned(call, std::move(handler), own_executor);
  }
  asio::post(impl_->strand,
             [self = impl_, call = std::move(call), h = std::move(handler), own_executor]() mutable {
               self->send_owned(call, std::move(h), own_executor);
             });
}

void scheduler::send(Call call) {
  start_send(std::move(call),
             asio::any_completion_handler<send_signature>(
                 [](boost::system::error_code, diagnostics) {}),
             false);
}

void scheduler::stop() {
  asio::post(impl_->strand, [self = impl_]() { self->stop(); });
}

void scheduler::reconnect() {
  asio::post(impl_->strand, [self = impl_]() {
    if (self->fsm && !self->fsm->stopped()) {
      self->apply(self->fsm->reconnect(make_error_code(error::stream_ended),
                                       "reconnect requested by the application",
                                       impl::clock::now()));
    }
  });
}

std::optional<mesos::v1::FrameworkID> scheduler::framework_id() const {
  std::lock_guard<std::mutex> lock(impl_->state_mutex);
  if (impl_->known_framework_id) return impl_->known_framework_id;
  if (impl_->config.framework.has_id()) return impl_->config.framework.id();
  return std::nullopt;
}

bool scheduler::is_subscribed() const {
  std::lock_guard<std::mutex> lock(impl_->state_mutex);
  return impl_->subscribed;
}

diagnostics scheduler::last_error() const {
  std::lock_guard<std::mutex> lock(impl_->state_mutex);
  return impl_->last_error;
}

scheduler_metrics scheduler::metrics() const {
  scheduler_metrics copy;
  impl_->with_metrics([&](scheduler_metrics& m) { copy = m; });
  for (std::size_t i = 0; i < impl::type_slots; ++i) {
    if (auto n = impl_->event_counts[i].load(std::memory_order_relaxed)) {
      const auto& name = Event::Type_Name(static_cast<Event::Type>(i));
      copy.events_by_type[name.empty() ? "UNKNOWN(" + std::to_string(i) + ")" : name] += n;
    }
    if (auto n = impl_->call_counts[i].load(std::memory_order_relaxed)) {
      const auto& name = Call::Type_Name(static_cast<Call::Type>(i));
      copy.calls_by_type[name.empty() ? "UNKNOWN(" + std::to_string(i) + ")" : name] += n;
    }
  }
  copy.bytes_received = impl_->bytes_in.load(std::memory_order_relaxed);
  copy.bytes_sent = impl_->bytes_out->load(std::memory_order_relaxed);
  auto last = impl_->last_byte.load(std::memory_order_relaxed);
  if (is_subscribed() && last != 0) {
    auto age = impl::clock::now() - impl::clock::time_point(impl::clock::duration(last));
    copy.last_heartbeat_age = std::chrono::duration_cast<std::chrono::milliseconds>(age);
  }
  return copy;
}

}  // namespace mesos_http
