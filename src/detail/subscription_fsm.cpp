#include "detail/subscription_fsm.hpp"

#include "detail/http_request.hpp"

#include <mesos_http/error.hpp>

#include <algorithm>
#include <cctype>

namespace mesos_http::detail {

using mesos::v1::scheduler::Event;

error error_for_status(unsigned status) {
  switch (status) {
    case 400:
      return error::bad_request;
    case 401:
      return error::unauthorized;
    case 403:
      return error::forbidden;
    case 503:
      return error::service_unavailable;
    default:
      return error::unexpected_status;
  }
}

subscription_fsm::subscription_fsm(subscription_settings settings)
    : settings_(std::move(settings)),
      codec_(settings_.content),
      backoff_(settings_.backoff, settings_.backoff_seed),
      redirects_chain_(settings_.max_redirects),
      decoder_(settings_.max_record_size) {
  if (settings_.framework.has_id()) framework_id_ = settings_.framework.id();
  if (!settings_.masters.empty()) target_ = settings_.masters.front();
}

void subscription_fsm::set_framework_id(const mesos::v1::FrameworkID& id) { framework_id_ = id; }

void subscription_fsm::set_authorization(std::string value) {
  settings_.authorization = std::move(value);
  credentials_stale_ = false;
}

decision subscription_fsm::start(steady_clock::time_point now) {
  if (settings_.masters.empty()) {
    return finish(error::no_master_available, "no master URL configured", nullptr, now);
  }
  master_index_ = 0;
  redirects_chain_.start(settings_.masters.front());
  target_ = settings_.masters.front();
  return begin_attempt(now);
}

decision subscription_fsm::begin_attempt(steady_clock::time_point now) {
  state_ = state::connecting;
  ++generation_;
  attempt_started_ = now;
  stream_id_.clear();
  stream_open_ = false;
  decoder_.reset();
  return {step::connect, now + settings_.subscribe_timeout};
}

std::string subscription_fsm::request() const {
  mesos::v1::scheduler::Call call;
  call.set_type(mesos::v1::scheduler::Call::SUBSCRIBE);
  auto* info = call.mutable_subscribe()->mutable_framework_info();
  *info = settings_.framework;
  if (framework_id_) {
    *call.mutable_framework_id() = *framework_id_;
    *info->mutable_id() = *framework_id_;
  }
  std::string body;
  diagnostics ignored;
  codec_.encode(call, body, ignored);  // FrameworkInfo was validated up front
  std::string out;
  out.reserve(body.size() + 256);
  post_headers headers;
  headers.content = settings_.content;
  headers.accept = true;
  headers.authorization = settings_.authorization;
  headers.user_agent = settings_.user_agent;
  append_post(out, target_, headers, body);
  return out;
}

decision subscription_fsm::on_connect_failed(const boost::system::error_code& ec,
                                             const std::string& detail,
                                             steady_clock::time_point now) {
  if (state_ != state::connecting) return streaming(now);
  return retry_later(ec, "cannot reach " + target_.to_string() + ": " + detail, true, now);
}

decision subscription_fsm::on_response(const http_response_head& head,
                                       steady_clock::time_point now) {
  if (state_ != state::connecting) return streaming(now);
  if (head.status == 200) return on_ok(head, now);
  if (head.status == 307) return on_redirect(head, now);
  std::string detail = target_.to_string() + " answered " + std::to_string(head.status);
  if (!head.body.empty()) detail += ": " + head.body.substr(0, 200);
  boost::system::error_code ec = error_for_status(head.status);
  if (transient_status(head.status)) return retry_later(ec, detail, true, now);
  if (head.status == 401 && settings_.retry_unauthorized) {
    credentials_stale_ = true;
    return retry_later(ec, detail, false, now);
  }
  return finish(ec, detail, &head, now);
}

decision subscription_fsm::on_ok(const http_response_head& head, steady_clock::time_point now) {
  if (!same_media_type(head.content_type, settings_.content)) {
    return retry_later(error::unexpected_content_type,
                       "SUBSCRIBE answered with Content-Type '" + head.content_type + "'", true,
                       now);
  }
  if (head.stream_id.empty()) {
    return retry_later(error::missing_stream_id,
                       "SUBSCRIBE answer from " + target_.to_string() + " has no Mesos-Stream-Id",
                       true, now);
  }
  state_ = state::awaiting_subscribed;
  stream_id_ = head.stream_id;
  stream_open_ = true;
  last_byte_ = now;
  add_notice(subscription_notice::kind::connected);
  return streaming(now);
}

decision subscription_fsm::on_redirect(const http_response_head& head,
                                       steady_clock::time_point now) {
  boost::system::error_code ec;
  diagnostics diag;
  auto next = resolve_location(target_, head.location, ec, diag);
  if (!next) return retry_later(ec, "bad redirect: " + diag.message(), true, now);
  ec = redirects_chain_.follow(*next, diag);
  if (ec) return retry_later(ec, diag.message(), true, now);
  ++redirects_;
  target_ = *next;
  return begin_attempt(now);
}

decision subscription_fsm::on_body(std::string_view bytes, steady_clock::time_point now) {
  if (!stream_open_) return streaming(now);
  last_byte_ = now;
  while (!bytes.empty()) {
    boost::system::error_code ec;
    std::size_t used = decoder_.put(bytes, ec);
    if (ec) {
      diagnostics diag;
      decoder_.describe(diag);
      return retry_later(ec, "bad event stream: " + diag.to_string(), false, now);
    }
    bytes.remove_prefix(used);
    if (!decoder_.has_record()) break;
    decision d = on_record(decoder_.record(), now);
    if (d.next != step::stream) return d;
  }
  return streaming(now);
}

// Events are decoded into reused notice slots: a fresh Event per record
// (and its destruction) cost more than the decoding itself.
decision subscription_fsm::on_record(std::string_view record, steady_clock::time_point now) {
  subscription_notice& notice = add_notice(subscription_notice::kind::event);
  if (auto ec = codec_.decode(record, notice.event, notice.diag)) {
    std::string detail = "undecodable event: " + notice.diag.message();
    --notice_count_;  // not an event after all
    return retry_later(ec, std::move(detail), false, now);
  }
  notice.diag.clear();
  const Event& event = notice.event;
  if (event.type() == Event::ERROR) {
    std::string text = event.error().message();
    return finish(error::framework_error, text, nullptr, now);
  }
  if (state_ == state::awaiting_subscribed) {
    if (event.type() != Event::SUBSCRIBED) {
      --notice_count_;
      return retry_later(error::protocol_violation, "first event is not SUBSCRIBED", false, now);
    }
    framework_id_ = event.subscribed().framework_id();
    heartbeat_interval_ = event.subscribed().heartbeat_interval_seconds();
    state_ = state::subscribed;
    backoff_.connected(now);
    redirects_chain_.start(target_);
  }
  return {step::stream, silence_deadline()};
}

decision subscription_fsm::on_stream_end(const boost::system::error_code& ec,
                                         steady_clock::time_point now) {
  if (!stream_open_) return streaming(now);
  if (ec) return retry_later(ec, "event stream broken: " + ec.message(), false, now);
  return retry_later(error::stream_ended, "master closed the event stream", false, now);
}

decision subscription_fsm::on_timer(steady_clock::time_point now) {
  switch (state_) {
    case state::waiting:
      if (now < wake_at_) return {step::wait, wake_at_};
      target_ = resume_target_ ? *resume_target_ : settings_.masters[master_index_];
      resume_target_.reset();
      redirects_chain_.start(target_);
      return begin_attempt(now);
    case state::connecting:
    case state::awaiting_subscribed:
      if (now < attempt_started_ + settings_.subscribe_timeout) return streaming(now);
      return retry_later(make_error_code(boost::system::errc::timed_out),
                         "no SUBSCRIBED from " + target_.to_string() + " within " +
                             std::to_string(settings_.subscribe_timeout.count()) + " ms",
                         state_ == state::connecting, now);
    case state::subscribed:
      if (now < silence_deadline()) return streaming(now);
      return retry_later(
          error::heartbeat_timeout,
          "nothing received for " +
              std::to_string(
                  std::chrono::duration_cast<std::chrono::milliseconds>(now - last_byte_).count()) +
              " ms (heartbeat interval " + std::to_string(heartbeat_interval_) + " s)",
          false, now);
    default:
      break;
  }
  return streaming(now);
}

decision subscription_fsm::reconnect(const boost::system::error_code& reason,
                                     const std::string& detail, steady_clock::time_point now) {
  if (state_ == state::stopped || state_ == state::waiting) return streaming(now);
  return retry_later(reason, detail, false, now);
}

decision subscription_fsm::stop(steady_clock::time_point now, std::string why) {
  if (state_ == state::stopped) return {step::stop, steady_clock::time_point::max()};
  return finish(error::stopped, std::move(why), nullptr, now);
}

std::deque<subscription_notice> subscription_fsm::take_notices() {
  std::deque<subscription_notice> out;
  drain_notices([&](subscription_notice& n) { out.push_back(n); });
  return out;
}

subscription_notice& subscription_fsm::add_notice(subscription_notice::kind what) {
  if (notice_count_ == notices_.size()) notices_.emplace_back();
  subscription_notice& slot = notices_[notice_count_++];
  slot.what = what;
  slot.ec = {};
  slot.diag.clear();
  if (what != subscription_notice::kind::event) slot.event.Clear();
  return slot;
}

// Every failure funnels here: tell the application if a stream was open,
// pick the next master (a dead subscription retries the master it started
// from; a failed attempt moves on) and wait a jittered backoff.
decision subscription_fsm::retry_later(const boost::system::error_code& ec, std::string detail,
                                       bool rotate, steady_clock::time_point now) {
  note_disconnected(ec, detail);
  backoff_.disconnected(now);
  if (rotate) master_index_ = (master_index_ + 1) % settings_.masters.size();
  if (!rotate && state_ == state::subscribed) {
    resume_target_ = target_;
  } else {
    resume_target_.reset();
  }
  ended_stream_ = stream_open_;
  ++reconnects_;
  state_ = state::waiting;
  stream_id_.clear();
  stream_open_ = false;
  final_ec_ = ec;
  final_diag_.clear();
  final_diag_.set_message(std::move(detail));
  wake_at_ = now + backoff_.next();
  return {step::wait, wake_at_};
}

decision subscription_fsm::finish(const boost::system::error_code& ec, std::string detail,
                                  const http_response_head* head,
                                  steady_clock::time_point /*now*/) {
  note_disconnected(ec, detail);
  state_ = state::stopped;
  stream_id_.clear();
  stream_open_ = false;
  final_ec_ = ec;
  final_diag_.clear();
  final_diag_.set_message(std::move(detail));
  if (head) {
    final_diag_.set_http_status(head->status);
    final_diag_.set_body_excerpt(head->body);
  }
  return {step::stop, steady_clock::time_point::max()};
}

void subscription_fsm::note_disconnected(const boost::system::error_code& ec,
                                         const std::string& detail) {
  if (!stream_open_) return;
  subscription_notice& notice = add_notice(subscription_notice::kind::disconnected);
  notice.ec = ec;
  notice.diag.set_message(detail);
}

decision subscription_fsm::streaming(steady_clock::time_point /*now*/) const {
  switch (state_) {
    case state::connecting:
      return {step::stream, attempt_started_ + settings_.subscribe_timeout};
    case state::awaiting_subscribed:
      return {step::stream, attempt_started_ + settings_.subscribe_timeout};
    case state::subscribed:
      return {step::stream, silence_deadline()};
    case state::waiting:
      return {step::wait, wake_at_};
    case state::stopped:
      return {step::stop, steady_clock::time_point::max()};
    case state::idle:
      break;
  }
  return {step::wait, steady_clock::time_point::max()};
}

steady_clock::time_point subscription_fsm::silence_deadline() const {
  constexpr auto never = steady_clock::time_point::max();
  // The interval comes from the master: NaN, infinite or huge values must
  // not overflow the clock (converting such a double to the clock's integer
  // ticks is undefined and gave a deadline in the past, so every
  // subscription died at once). A bound near or beyond the clock's range
  // (half of what is left of it: centuries) means no watchdog.
  if (!settings_.heartbeat_watchdog || !(heartbeat_interval_ > 0)) return never;
  const double bound = heartbeat_interval_ * settings_.heartbeat_misses;
  const auto room = std::chrono::duration<double>(never - last_byte_ - settings_.heartbeat_slack);
  if (!(bound < room.count() / 2)) return never;
  auto silence =
      std::chrono::duration_cast<steady_clock::duration>(std::chrono::duration<double>(bound));
  return last_byte_ + silence + settings_.heartbeat_slack;
}

bool same_media_type(std::string_view got, content_type wanted) {
  got = got.substr(0, got.find(';'));
  while (!got.empty() && got.back() == ' ') got.remove_suffix(1);
  const std::string_view want = media_type(wanted);
  return got.size() == want.size() &&
         std::equal(got.begin(), got.end(), want.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == b;
         });
}

bool transient_status(unsigned status) { return status == 503 || status == 404 || status >= 500; }

}  // namespace mesos_http::detail
