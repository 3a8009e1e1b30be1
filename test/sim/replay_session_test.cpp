// Over-the-wire replay of the real Mesos 1.11.1 recordings
// (MESOS_HTTP_TRACES_DIR, see its README.md) against the simulated master.
//
// Every recorded scheduler request of scheduler/ and ha/ is sent again, in
// order, to a sim::master (sim::ensemble for ha/) configured like the
// recorded cluster (one agent, cpus:2;mem:2048;disk:4096;ports:[31000-31099]).
// The bytes are the recorded ones; only what must change is rewritten: the
// Host port, the Mesos-Stream-Id of a recorded stream, the framework and
// agent ids, offer ids (an offer the simulator sent on that stream) and
// status uuids (the uuid of the simulator's update for the same task and
// state); Content-Length follows the body. Bad bodies, wrong content types,
// stale or random stream ids, GET/PUT, wrong paths are sent as recorded.
//
// Before each request the replay waits (bounded: events and seconds) on the
// open streams, using when the recorded request was sent and when each
// recorded event arrived (scheduler/: the pcap, exact; ha/: the curl traces,
// with a 2 s margin for curl's per-process clock error):
//  * for every significant event (below) the recorded client had received;
//  * if the recording has an OFFERS, received before the request, right
//    after as many significant events as the simulation has sent: for an
//    OFFERS there too (so offers that come from timers, e.g. refuse_seconds
//    filters, land where they did);
//  * ACKNOWLEDGE: for the simulator's UPDATE of the same task and state;
//  * ACCEPT/DECLINE of a recorded offer: for an outstanding simulator offer;
//  * a recorded stream that ended before the request was sent ends too:
//    read to its end if the master ended it, closed by us if the client did
//    (44, ha/12); ha/07 is cut by the leader change.
//
// Compared for each exchange: the status code; the set of header names
// (Date, Content-Length, Content-Type, Location, Allow, Transfer-Encoding,
// Mesos-Stream-Id); the Content-Type, Location and Allow values; the body
// (error texts with the recorded ids replaced; `prefix_only` would list the
// texts of which only a prefix is compared: none is needed).
//
// Compared for each event stream (recorded vs simulated):
//  * SUBSCRIBED first and a HEARTBEAT right after it; other HEARTBEATs are
//    ignored (their number is wall-clock time);
//  * the sequence of significant events (all but HEARTBEAT and OFFERS)
//    exactly: type, and UPDATE(task, state, reason, source, has uuid,
//    message), FAILURE(executor, has agent, status), ERROR(message);
//  * OFFERS: every gap between two significant events (and before the first
//    and after the last) where the recording has OFFERS has OFFERS in the
//    simulation too; their number and extra OFFERS are timing;
//  * the end: terminating chunk iff the recording has one;
//  * shapes: the set of key paths (values ignored) of SUBSCRIBED, the first
//    HEARTBEAT, each significant event against its recorded counterpart, and
//    the union over all OFFERS events.
//
// Every difference is a "finding". Findings listed in `known_differences`
// are simulator differences reported to the lead: the main tests require
// every finding to be known and every known difference to still occur; the
// "[!mayfail]" test fails on each of them.
#include "sim/replay_support.hpp"

#include <algorithm>

using namespace mesos_http::test;
using namespace mesos_http::test::replay;

namespace {

// ---------------------------------------------------------------------------
// Tables.

struct not_replayed_entry {
  const char* file;  // "dir/stem"
  const char* why;
};
// Every request of scheduler/ and ha/ is replayed; an entry here would be a
// recording the replay skips, with the reason.
const std::vector<not_replayed_entry> not_replayed = {};

// ha/: the steps, in order; "!elect N" / "!elect none" change the leader.
// Recorded hosts: 5050 = master 0 (first leader), 5052 = master 1, 5053 = the
// master with no leader (master 1 while the ensemble has none).
const std::vector<std::string> ha_plan = {
    "01-ha-redirect-endpoint-nonleader",
    "02-ha-redirect-endpoint-leader",
    "03-ha-subscribe-json-nonleader",
    "04-ha-subscribe-proto-nonleader",
    "05-ha-get-nonleader",
    "06-ha-reconcile-nonleader",
    "07-ha-subscribe-leader-then-leader-killed",
    "!elect 1",  // the leader is killed: 07's stream is cut, 5052 is elected
    "08-ha-resubscribe-new-leader",
    "09-ha-teardown-new-leader",
    "!elect none",
    "10-ha-subscribe-no-leader",
    "11-ha-redirect-endpoint-no-leader",
    "!elect 0",  // 12 was recorded on a standalone leading master on 5050
    "12-ha-subscribe-master-prefixed-path",
};

// Error texts compared only up to (and including) this prefix, because the
// rest is a parser's wording. None needed: the simulator's texts for the bad
// JSON / protobuf bodies (23, 24, 26, 34, 58-60) equal the recorded ones.
const std::map<std::string, std::string> prefix_only = {};

struct known_difference {
  const char* where;  // the finding's `where` starts with this
  const char* what;   // and its `what` contains this
  const char* note;
};
const std::vector<known_difference> known_differences = {
    {"scheduler/37-err-wrong-path", "",
     "POST /api/v1/schedulerz: Mesos (libprocess prefix routing) hands it to the operator "
     "endpoint /api/v1, which answers 400 text/plain 'Failed to validate master::Call: "
     "Expecting 'type' to be present'; the simulator answers 404 with no body"},
};

// ---------------------------------------------------------------------------
// The replay engine.

struct recorded_stream_info {
  http_message response;
  std::vector<event_record> events;
  std::vector<double> arrival;
  double last = 0;
};

class replayer {
 public:
  // `pcap`: a capture of the recording on port 5050 for exact timing;
  // otherwise the curl traces are used (see replay_support.hpp).
  replayer(std::string dir, std::map<std::string, unsigned short> hosts,
           std::optional<fs::path> pcap = std::nullopt)
      : dir_(std::move(dir)), hosts_(std::move(hosts)) {
    for (const auto& [host, port] : hosts_) ids_[host] = "127.0.0.1:" + std::to_string(port);
    std::vector<std::pair<std::string, std::string>> requests;
    for (const auto& p : files_ending(traces_dir() / dir_, ".request.http"))
      requests.emplace_back(strip_suffix(p.filename().string(), ".request.http"), load(p));
    if (pcap) {
      timing_ = load_pcap_timing(*pcap, 5050, requests);
      margin_ = 0;
    } else {
      for (const auto& [stem, bytes] : requests)
        timing_[stem] = load_curl_timing(traces_dir() / dir_ / "curl-trace" / (stem + ".trace"));
      margin_ = 2;  // curl's per-process clock error
    }
    for (const auto& p : files_ending(traces_dir() / dir_, ".response.http")) {
      http_message m = load_single(p);
      if (m.status() != 200 || m.framing != body_framing::chunked) continue;
      const std::string stem = strip_suffix(p.filename().string(), ".response.http");
      recorded_stream_info& info = recorded_[stem];
      REQUIRE(timing_.count(stem));
      exchange_timing t = timing_.at(stem);
      if (pcap) t.skip = load(p).find("\r\n\r\n") + 4;  // the pcap counts the headers too
      info.arrival = chunk_arrival(m, t);
      info.last = t.last;
      bool clean = false;
      const auto type = codec_for(m).type();
      for (const auto& r : split_records(m.body, clean)) info.events.push_back(make_event(r, type));
      REQUIRE(info.events.size() == info.arrival.size());
      info.response = std::move(m);
      for (const auto& e : info.events) {
        if (e.event.type() == sched::Event::UPDATE && e.event.update().status().has_uuid()) {
          const auto& st = e.event.update().status();
          uuid_of_[st.uuid()] = {stem, st.task_id().value(), st.state()};
        }
        for (const auto& o : e.event.offers().offers())
          offer_of_[o.id().value()] = {stem, o.agent_id().value()};
      }
    }
  }

  // Replays one recorded exchange.
  void exchange(const std::string& stem) {
    const fs::path base = traces_dir() / dir_ / stem;
    const http_message req = load_single(base.string() + ".request.http");
    const http_message rec = load_single(base.string() + ".response.http");
    if (rebuild_request(req, {}) != load(base.string() + ".request.http"))
      note(stem, "request bytes", "rebuilt byte for byte", "different");
    gate(timing_.at(stem).first_send);
    prepare(req);
    const std::string host(req.header("Host").value_or(""));
    INFO(stem << ": recorded Host " << host);
    REQUIRE(hosts_.count(host));
    const unsigned short port = hosts_.at(host);
    const std::string bytes = rebuild_request(req, ids_);
    if (recorded_.count(stem)) {
      live_stream& s = live_[stem];
      s.stem = stem;
      s.port = port;
      s.type = codec_for(rec).type();
      s.conn = std::make_unique<raw_connection>(port, std::chrono::seconds(5));
      s.conn->send(bytes);
      raw_response head = s.conn->read_header();
      compare_head(stem, rec, head);
      if (head.status != 200) return s.close();
      if (!stream_ids_.insert(head.header("mesos-stream-id")).second)
        note(stem, "Mesos-Stream-Id", "a new stream id", "one used before");
      ids_[std::string(rec.header("Mesos-Stream-Id").value_or(""))] =
          head.header("mesos-stream-id");
      if (!s.read_one() || s.events[0].event.type() != sched::Event::SUBSCRIBED)
        return note(stem, "first event", "SUBSCRIBED", "none or another event");
      const std::string recorded_fw =
          recorded_[stem].events.at(0).event.subscribed().framework_id().value();
      s.framework_id = s.events[0].event.subscribed().framework_id().value();
      if (ids_.count(recorded_fw) && ids_[recorded_fw] != s.framework_id)
        note(stem, "SUBSCRIBED framework id (resubscription keeps it)", ids_[recorded_fw],
             s.framework_id);
      ids_[recorded_fw] = s.framework_id;
    } else {
      raw_connection c(port, std::chrono::seconds(5));
      c.send(bytes);
      const raw_response got = c.read_response();
      compare_head(stem, rec, got);
      const std::string expected = substitute(rec.body, ids_);
      const auto prefix = prefix_only.find(stem);
      if (prefix != prefix_only.end() ? got.body.rfind(prefix->second, 0) != 0
                                      : got.body != expected)
        note(stem, "body", expected, got.body);
    }
  }

  // The master on `port` is about to lose the leadership: its streams first
  // carry what the recording shows.
  void leader_losing(unsigned short port) {
    for (auto& [stem, s] : live_)
      if (!s.ended && s.port == port)
        catch_up(s, recorded_[stem].events.size(), recorded_[stem].events.size());
  }

  // It lost it: its streams end (cut, as the recording shows).
  void leader_lost(unsigned short port) {
    for (auto& [stem, s] : live_)
      if (!s.ended && s.port == port) finish(s, /*client_closes=*/false);
  }

  // Ends the session: every stream ends as recorded, then all are compared.
  void finish_all() {
    for (auto& [stem, s] : live_)
      if (!s.ended) finish(s, !recorded_[stem].response.chunked_terminated);
    for (auto& [stem, s] : live_) compare_stream(s);
  }

  std::vector<finding> findings;

 private:
  struct uuid_origin {
    std::string stem, task;
    mesos::v1::TaskState state;
  };
  struct offer_origin {
    std::string stem, agent;
  };

  void note(const std::string& where, const std::string& what, const std::string& expected,
            const std::string& got) {
    findings.push_back({dir_ + "/" + where, what, expected, got});
  }

  static std::size_t count(const std::vector<event_record>& events, std::size_t n, bool sig) {
    std::size_t k = 0;
    for (std::size_t i = 0; i < n && i < events.size(); ++i)
      k += significant(events[i].event) == sig;
    return k;
  }

  // Waits on the open streams for what the recorded client had seen before
  // sending at `sent` (see the file comment).
  void gate(double sent) {
    for (auto& [stem, s] : live_) {
      if (s.ended) continue;
      const recorded_stream_info& info = recorded_[stem];
      if (info.last + margin_ < sent) {
        finish(s, !info.response.chunked_terminated);
        continue;
      }
      std::size_t sure = 0, maybe = 0;
      while (sure < info.arrival.size() && info.arrival[sure] < sent - margin_) ++sure;
      while (maybe < info.arrival.size() && info.arrival[maybe] < sent + margin_) ++maybe;
      catch_up(s, sure, maybe);
    }
  }

  // Reads until the stream has the significant events of the first `sure`
  // recorded ones (and the HEARTBEAT after SUBSCRIBED); then, if one of the
  // first `maybe` recorded events is an OFFERS in the gap the simulation is
  // in now (after as many significant events), until an OFFERS there too.
  void catch_up(live_stream& s, std::size_t sure, std::size_t maybe) {
    const auto& rec = recorded_[s.stem].events;
    const std::size_t k = count(rec, sure, true);
    if (!s.wait_until([&] { return s.count_significant() >= k; }))
      note(s.stem, "significant events before the next request", std::to_string(k),
           std::to_string(s.count_significant()));
    if (sure >= 2 && rec[1].event.type() == sched::Event::HEARTBEAT)
      s.wait_until([&] { return s.events.size() >= 2; });
    const std::size_t gap = s.count_significant();
    bool offers_expected = false;
    for (std::size_t i = 0; i < maybe && i < rec.size(); ++i)
      offers_expected |= rec[i].event.type() == sched::Event::OFFERS && count(rec, i, true) == gap;
    if (!offers_expected) return;
    s.wait_until([&] {
      if (s.count_significant() != gap) return true;
      for (std::size_t i = s.events.size(); i-- > 0 && !significant(s.events[i].event);)
        if (s.events[i].event.type() == sched::Event::OFFERS) return true;
      return false;
    });
  }

  // Reads what the recording has of the stream, then lets it end: read to
  // its end if the master ends it, closed if the client did.
  void finish(live_stream& s, bool client_closes) {
    const recorded_stream_info& info = recorded_[s.stem];
    catch_up(s, info.events.size(), info.events.size());
    if (client_closes) return s.close();
    s.wait_until([&] { return s.ended; });
    if (!s.ended) return note(s.stem, "stream end", "the master ends the stream", "still open");
    if (s.conn->saw_last_chunk() != info.response.chunked_terminated)
      note(s.stem, "stream end",
           info.response.chunked_terminated ? "terminating chunk" : "cut without terminating chunk",
           s.conn->saw_last_chunk() ? "terminating chunk" : "cut without terminating chunk");
  }

  // Maps the recorded uuid / offer ids / agent ids of `req` to the
  // simulator's, waiting for them on the stream.
  void prepare(const http_message& req) {
    const auto ct = req.header("Content-Type");
    if (!ct) return;
    sched::Call call;
    mesos_http::diagnostics diag;
    if (*ct == "application/json") {
      if (mesos_http::codec(content_type::json).decode(req.body, call, diag)) return;
    } else if (*ct != "application/x-protobuf" || !call.ParsePartialFromString(req.body)) {
      return;
    }
    if (call.type() == sched::Call::ACKNOWLEDGE) {
      const auto it = uuid_of_.find(call.acknowledge().uuid());
      if (it == uuid_of_.end() || !live_.count(it->second.stem)) return;
      live_stream& s = live_[it->second.stem];
      const sched::Event* found = nullptr;
      s.wait_until([&] {
        for (const auto& e : s.events) {
          const auto& st = e.event.update().status();
          if (e.event.type() == sched::Event::UPDATE && st.task_id().value() == it->second.task &&
              st.state() == it->second.state && st.has_uuid())
            found = &e.event;
        }
        return found != nullptr;
      });
      if (!found)
        return note(
            it->second.stem, "UPDATE to acknowledge",
            it->second.task + " " + mesos::v1::TaskState_Name(it->second.state) + " with uuid",
            "none");
      ids_[it->first] = found->update().status().uuid();
      ids_[base64(it->first)] = base64(found->update().status().uuid());
    }
    std::vector<std::string> offer_ids;
    for (const auto& o : call.accept().offer_ids()) offer_ids.push_back(o.value());
    for (const auto& o : call.decline().offer_ids()) offer_ids.push_back(o.value());
    for (const auto& id : offer_ids) {
      const auto it = offer_of_.find(id);
      if (it == offer_of_.end() || !live_.count(it->second.stem)) continue;
      live_stream& s = live_[it->second.stem];
      if (!s.wait_until([&] { return !s.outstanding.empty(); })) {
        note(it->second.stem, "an outstanding offer for " + id, "an OFFERS event", "none");
        continue;
      }
      auto cpus = [](const mesos::v1::Offer& o) {
        double c = 0;
        for (const auto& r : o.resources()) c += r.name() == "cpus" ? r.scalar().value() : 0;
        return c;
      };
      auto best = std::max_element(s.outstanding.begin(), s.outstanding.end(),
                                   [&](const auto& a, const auto& b) { return cpus(a) < cpus(b); });
      ids_[id] = best->id().value();
      ids_[it->second.agent] = best->agent_id().value();
      s.outstanding.erase(best);
    }
  }

  void compare_head(const std::string& stem, const http_message& rec, const raw_response& got) {
    if (got.status != static_cast<unsigned>(rec.status()))
      note(stem, "status", std::to_string(rec.status()), std::to_string(got.status));
    std::set<std::string> got_names;
    for (const auto& [name, value] : got.headers) got_names.insert(name);
    if (got_names != header_names(rec))
      note(stem, "header names", names(header_names(rec)), names(got_names));
    for (const char* h : {"Content-Type", "Location", "Allow", "Transfer-Encoding"}) {
      std::string lower = h;
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char c) { return std::tolower(c); });
      const std::string expected = substitute(std::string(rec.header(h).value_or("")), ids_);
      if (got.header(lower) != expected)
        note(stem, std::string("header ") + h, expected, got.header(lower));
    }
    if (rec.header("Mesos-Stream-Id") && got.header("mesos-stream-id").size() != 36)
      note(stem, "Mesos-Stream-Id", "a UUID", got.header("mesos-stream-id"));
  }

  void compare_shape(const std::string& stem, const std::string& what,
                     const std::set<std::string>& rec, const std::set<std::string>& got) {
    for (const auto& p : minus(rec, got))
      note(stem, "shape of " + what + ": missing " + p, p, "(absent)");
    for (const auto& p : minus(got, rec))
      note(stem, "shape of " + what + ": extra " + p, "(absent)", p);
  }

  void compare_stream(const live_stream& s) {
    const recorded_stream_info& info = recorded_[s.stem];
    const auto& rec = info.events;
    const auto& got = s.events;
    if (got.empty()) return note(s.stem, "events", "a stream", "no events");
    compare_shape(s.stem, "SUBSCRIBED", rec[0].shape, got[0].shape);
    if (rec.size() > 1 && rec[1].event.type() == sched::Event::HEARTBEAT) {
      if (got.size() < 2 || got[1].event.type() != sched::Event::HEARTBEAT)
        note(s.stem, "second event", "HEARTBEAT", got.size() < 2 ? "none" : summary(got[1].event));
      else
        compare_shape(s.stem, "HEARTBEAT", rec[1].shape, got[1].shape);
    }
    // Significant events, OFFERS gaps and shapes.
    auto split = [](const std::vector<event_record>& events, std::vector<const event_record*>& sig,
                    std::set<std::size_t>& gaps, std::set<std::string>& offer_shape) {
      for (const auto& e : events) {
        if (significant(e.event)) sig.push_back(&e);
        if (e.event.type() == sched::Event::OFFERS) {
          gaps.insert(sig.size());
          offer_shape.insert(e.shape.begin(), e.shape.end());
        }
      }
    };
    std::vector<const event_record*> rec_sig, got_sig;
    std::set<std::size_t> rec_gaps, got_gaps;
    std::set<std::string> rec_offers, got_offers;
    split(rec, rec_sig, rec_gaps, rec_offers);
    split(got, got_sig, got_gaps, got_offers);
    std::vector<std::string> rec_text, got_text;
    for (const auto* e : rec_sig) rec_text.push_back(summary(e->event));
    for (const auto* e : got_sig) got_text.push_back(summary(e->event));
    if (rec_text != got_text)
      note(s.stem, "significant events", "\n" + joined(rec_text), "\n" + joined(got_text));
    for (std::size_t i = 1; i < std::min(rec_sig.size(), got_sig.size()); ++i)
      if (rec_text[i] == got_text[i])
        compare_shape(s.stem, rec_text[i], rec_sig[i]->shape, got_sig[i]->shape);
    for (std::size_t g : rec_gaps)
      if (!got_gaps.count(g))
        note(s.stem, "OFFERS after significant event #" + std::to_string(g),
             "OFFERS after " + (g ? rec_text[g - 1] : std::string("(start)")), "no OFFERS there");
    if (!rec_offers.empty() && got_offers.empty())
      note(s.stem, "OFFERS", "OFFERS events", "none");
    else if (!rec_offers.empty())
      compare_shape(s.stem, "OFFERS", rec_offers, got_offers);
  }

  std::string dir_;
  std::map<std::string, unsigned short> hosts_;
  id_map ids_;
  std::map<std::string, recorded_stream_info> recorded_;
  std::map<std::string, uuid_origin> uuid_of_;
  std::map<std::string, offer_origin> offer_of_;
  std::map<std::string, live_stream> live_;
  std::map<std::string, exchange_timing> timing_;
  double margin_ = 0;
  std::set<std::string> stream_ids_;
};

// ---------------------------------------------------------------------------
// The simulated cluster, like the recorded one but fast.

sim::master_config recorded_like_config() {
  sim::master_config config;
  config.port = 0;
  config.heartbeat_interval = std::chrono::milliseconds(100);
  config.cluster.agents = {sim::agent_config{}};
  config.cluster.agents[0].hostname = "127.0.0.1";
  config.cluster.agents[0].resources = "cpus:2;mem:2048;disk:4096;ports:[31000-31099]";
  config.cluster.allocation_interval = std::chrono::milliseconds(50);
  config.cluster.task_step_delay = std::chrono::milliseconds(10);
  config.cluster.task_run_time = std::chrono::milliseconds(50);
  return config;
}

std::vector<finding> replay_scheduler_dir() {
  require_traces();
  running<sim::master> master(recorded_like_config());
  replayer r("scheduler", {{"127.0.0.1:5050", master->port()}},
             traces_dir() / "pcap" / "session-loopback-5050-5051.pcap");
  std::set<std::string> skipped;
  for (const auto& e : not_replayed) skipped.insert(e.file);
  for (const auto& p : files_ending(traces_dir() / "scheduler", ".request.http")) {
    const std::string stem = strip_suffix(p.filename().string(), ".request.http");
    if (!skipped.count("scheduler/" + stem)) r.exchange(stem);
  }
  r.finish_all();
  return r.findings;
}

std::vector<finding> replay_ha_dir() {
  require_traces();
  running<sim::ensemble> masters(recorded_like_config(), 2);
  const unsigned short p0 = masters->at(0).port(), p1 = masters->at(1).port();
  replayer r("ha", {{"127.0.0.1:5050", p0}, {"127.0.0.1:5052", p1}, {"127.0.0.1:5053", p1}});
  for (const auto& step : ha_plan) {
    if (step.rfind("!elect ", 0) != 0) {
      r.exchange(step);
      continue;
    }
    const auto before = masters->leader();
    if (before) r.leader_losing(masters->at(*before).port());
    const std::string arg = step.substr(7);
    masters->elect(arg == "none" ? std::nullopt : std::optional<std::size_t>(std::stoul(arg)));
    if (before && masters->leader() != before) r.leader_lost(masters->at(*before).port());
  }
  r.finish_all();
  return r.findings;
}

// Each replay runs once per process; the test cases share the findings.
const std::vector<finding>& findings_of(const std::string& dir) {
  static std::map<std::string, std::vector<finding>> cache;
  if (!cache.count(dir)) cache[dir] = dir == "ha" ? replay_ha_dir() : replay_scheduler_dir();
  return cache.at(dir);
}

// The known difference `f` is an instance of, if any.
const known_difference* known(const finding& f) {
  for (const auto& k : known_differences)
    if (f.where.rfind(k.where, 0) == 0 && f.what.find(k.what) != std::string::npos) return &k;
  return nullptr;
}
bool is_known(const finding& f) { return known(f) != nullptr; }

void require_only_known(const std::vector<finding>& found, const std::string& dir) {
  for (const auto& f : found) {
    if (is_known(f)) continue;
    INFO(f.text());
    CHECK(false);
  }
  // A known difference that no longer occurs must leave the table.
  for (const auto& k : known_differences) {
    if (std::string(k.where).rfind(dir + "/", 0) != 0) continue;
    const bool seen = std::any_of(found.begin(), found.end(), [&](const finding& f) {
      return f.where.rfind(k.where, 0) == 0 && f.what.find(k.what) != std::string::npos;
    });
    INFO("known difference no longer seen, remove it: " << k.where << " / " << k.what);
    CHECK(seen);
  }
}

}  // namespace

TEST_CASE("replay: every recorded scheduler request is replayed or listed as not replayed",
          "[sim][replay]") {
  require_traces();
  std::set<std::string> planned, skipped;
  for (const auto& e : not_replayed) skipped.insert(e.file);
  for (const auto& p : files_ending(traces_dir() / "scheduler", ".request.http"))
    planned.insert("scheduler/" + strip_suffix(p.filename().string(), ".request.http"));
  for (const auto& step : ha_plan)
    if (step[0] != '!') planned.insert("ha/" + step);
  for (const char* dir : {"scheduler", "ha"}) {
    for (const auto& p : files_ending(traces_dir() / dir, ".request.http")) {
      const std::string stem = strip_suffix(p.filename().string(), ".request.http");
      const std::string file = std::string(dir) + "/" + stem;
      INFO(file << " is neither replayed nor listed in not_replayed");
      CHECK((planned.count(file) || skipped.count(file)));
      INFO("the replay needs its response and curl trace");
      CHECK(fs::is_regular_file(traces_dir() / dir / (stem + ".response.http")));
      CHECK(fs::is_regular_file(traces_dir() / dir / "curl-trace" / (stem + ".trace")));
    }
  }
  for (const auto& e : not_replayed) {
    INFO(e.file << " is listed as not replayed but has no recording");
    CHECK(fs::is_regular_file(traces_dir() / (std::string(e.file) + ".request.http")));
  }
  for (const auto& f : planned) {
    INFO(f << " is planned but has no recording");
    CHECK(fs::is_regular_file(traces_dir() / (f + ".request.http")));
  }
}

TEST_CASE("replay: scheduler/ sessions (JSON 01-43, protobuf 44-64) against sim::master",
          "[sim][replay]") {
  require_only_known(findings_of("scheduler"), "scheduler");
}

TEST_CASE("replay: ha/ redirects, no leader and failover against sim::ensemble", "[sim][replay]") {
  require_only_known(findings_of("ha"), "ha");
}

TEST_CASE("replay: known differences between the simulator and the recorded master",
          "[sim][replay][!mayfail]") {
  for (const char* dir : {"scheduler", "ha"}) {
    for (const auto& f : findings_of(dir)) {
      if (!is_known(f)) continue;
      INFO(f.text() << "\n  (" << known(f)->note << ")");
      CHECK(false);
    }
  }
}
