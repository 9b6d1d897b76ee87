#include "dashboard.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cmath>
#include <set>

#include "api_context.hpp"
#include "classroom.hpp"
#include "room_types.hpp"
#include "ws_connection.hpp"

namespace lectern::server {

namespace asio = boost::asio;
using nlohmann::json;

namespace {

constexpr auto k_period = std::chrono::seconds(1);

// Codec ids of FLV spec E.4.2.1/E.4.3.1 as onMetaData gives them, or Enhanced RTMP FourCCs.
json codec_name(const json& id, bool video) {
  if (id.is_number()) {
    const int n = id.get<int>();
    if (video) {
      if (n == 7) return "h264";
      if (n == 12) return "hevc";
      if (n == 2) return "h263";
    } else {
      if (n == 10) return "aac";
      if (n == 2) return "mp3";
      if (n == 11) return "speex";
      if (n == 13) return "opus";
    }
    return std::to_string(n);
  }
  if (id.is_string()) {
    const auto s = id.get<std::string>();
    if (s == "avc1") return "h264";
    if (s == "hvc1") return "hevc";
    if (s == "av01") return "av1";
    if (s == "mp4a") return "aac";
    if (s == "Opus") return "opus";
    return s;
  }
  return nullptr;
}

double number_or(const json& j, const char* key, double fallback) {
  const auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : fallback;
}

}  // namespace

double rate_meter::update(double value, clock::time_point now) {
  if (!at_) {
    at_ = now;
    value_ = value;
    return 0;
  }
  const std::chrono::duration<double> dt = now - *at_;
  if (dt.count() < 0.5) return rate_;
  rate_ = value >= value_ ? (value - value_) / dt.count() : 0;
  value_ = value;
  at_ = now;
  return rate_;
}

/// One admin's dashboard connection: nothing to read, so its messages are ignored.
struct dashboard::watcher final : ws_connection::handler {
  watcher(dashboard& d, std::shared_ptr<ws_connection> c) : owner(d), ws(std::move(c)) {}
  void on_text(std::string_view) override {}
  void on_close(std::string_view) override { owner.forget(this); }
  dashboard& owner;
  const std::shared_ptr<ws_connection> ws;
};

dashboard::dashboard(api_context& api) : api_(api) {}

dashboard::~dashboard() = default;

void dashboard::register_routes(http_router& r) {
  r.add_websocket("/api/v1/dashboard/ws",
                  [this](request_context& ctx, std::shared_ptr<ws_connection> ws) {
                    return serve_ws(ctx, std::move(ws));
                  });
}

std::size_t dashboard::watchers() const {
  std::lock_guard lock(mutex_);
  return watchers_.size();
}

void dashboard::forget(const watcher* w) {
  std::lock_guard lock(mutex_);
  std::erase_if(watchers_, [w](const auto& x) { return x.get() == w; });
}

asio::awaitable<void> dashboard::serve_ws(request_context& ctx, std::shared_ptr<ws_connection> ws) {
  const auto admin = co_await optional_admin(api_, ctx);
  auto w = std::make_shared<watcher>(*this, ws);
  ws->set_handler(w);
  if (!admin) {
    ws->close(k_close_unauthorized, "unauthorized: log in as an admin first");
    co_return;
  }
  {
    std::lock_guard lock(mutex_);
    watchers_.push_back(w);
  }
  const auto frame = co_await build_frame();
  ws->send(frame);
}

void dashboard::start(asio::io_context& ctx) {
  timer_ = std::make_unique<asio::steady_timer>(ctx);
  asio::co_spawn(ctx, loop(), asio::detached);
}

void dashboard::stop() {
  stopping_ = true;
  if (timer_) asio::post(timer_->get_executor(), [t = timer_.get()] { t->cancel(); });
}

asio::awaitable<void> dashboard::loop() {
  while (!stopping_) {
    timer_->expires_after(k_period);
    auto [ec] = co_await timer_->async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec || stopping_) co_return;
    std::vector<std::shared_ptr<watcher>> to;
    {
      std::lock_guard lock(mutex_);
      to = watchers_;
    }
    if (to.empty()) continue;
    const auto frame = co_await build_frame();
    for (const auto& w : to) w->ws->send(frame);
  }
}

asio::awaitable<std::shared_ptr<const std::string>> dashboard::build_frame() {
  // Each room's live state is gathered first (it asks the players' threads); the rates
  // are then computed under the lock, in one go.
  std::vector<std::pair<room_summary, json>> rooms;
  auto all = api_.rooms.rooms();
  for (auto& r : all) {
    auto live = co_await api_.classes.live_state(r.id);
    rooms.emplace_back(std::move(r), std::move(live));
  }
  const auto now = std::chrono::steady_clock::now();
  json frame;
  frame["op"] = "dashboard";
  frame["at"] = api_.now_ms();
  json list = json::array();
  {
    std::lock_guard lock(mutex_);
    frame["server"] = server_figures(now);
    for (auto& [r, live] : rooms) list.push_back(room_figures(r.id, r.name, std::move(live), now));
    // Meters of streams that are gone (a deleted room, a teacher who left) go too.
    std::set<std::string> streams;
    for (const auto& r : list) {
      if (r.at("stream").is_null()) continue;
      std::string key = "live/";
      key += std::to_string(r.at("id").get<std::int64_t>());
      streams.insert(std::move(key));
    }
    std::erase_if(meters_, [&](const auto& m) {
      return m.first.starts_with("live/") &&
             !streams.contains(m.first.substr(0, m.first.find(' ')));
    });
  }
  frame["rooms"] = std::move(list);
  co_return std::make_shared<const std::string>(frame.dump());
}

json dashboard::server_figures(clock_time now) {
  const auto relay = api_.relay_stats ? api_.relay_stats() : json::object();
  const auto uptime = std::chrono::duration_cast<std::chrono::seconds>(now - api_.started);
  const double in = number_or(relay, "bytes_in", 0);
  const double out = number_or(relay, "bytes_out", 0) + number_or(relay, "http_bytes_out", 0);
  json s;
  s["version"] = LECTERN_VERSION;
  s["uptime_s"] = uptime.count();
  s["ws_clients"] = api_.classes.ws_clients();
  s["rtmp_connections"] = relay.value("rtmp_connections", json(0));
  s["http_players"] = relay.value("http_players", json(0));
  s["bytes_in_per_s"] = std::llround(meters_["bytes_in"].update(in, now));
  s["bytes_out_per_s"] = std::llround(meters_["bytes_out"].update(out, now));
  return s;
}

json dashboard::room_figures(std::int64_t id, const std::string& name, json live, clock_time now) {
  std::size_t students = 0;
  for (const auto& p : live.value("participants", json::array())) {
    if (p.value("role", "") == "student" && p.value("connected", true)) ++students;
  }
  std::uint64_t dropped = 0;
  const auto players = live.value("players", json::array());
  for (const auto& p : players) dropped += p.value("dropped_messages", std::uint64_t{0});
  const auto cls = live.value("class", json::object());
  json r;
  r["id"] = id;
  r["name"] = name;
  r["teacher_live"] = live.value("teacher_live", false);
  r["class_live"] = cls.is_object() && cls.value("state", "") == "live";
  r["participants"] = live.value("participants", json::array()).size();
  r["students"] = students;
  r["players"] = players.size();
  r["dropped_messages"] = dropped;
  const auto key = "live/" + std::to_string(id);
  const auto st = api_.stream_stats ? api_.stream_stats(key) : json::object();
  r["stream"] = st.value("publishing", false) ? stream_figures(st, key, now) : json(nullptr);
  return r;
}

json dashboard::stream_figures(const json& st, const std::string& key, clock_time now) {
  const double frames = number_or(st, "video_frames", 0);
  const double vbytes = number_or(st, "video_bytes", 0);
  const double abytes = number_or(st, "audio_bytes", 0);
  const double fps = meters_[key + " fps"].update(frames, now);
  json s;
  s["width"] = st.value("width", json(nullptr));
  s["height"] = st.value("height", json(nullptr));
  // Measured; until a second has passed, what the publisher announced.
  s["fps"] = fps > 0 ? std::round(fps * 10) / 10 : number_or(st, "framerate", 0);
  s["video_kbps"] = std::llround(meters_[key + " video"].update(vbytes, now) * 8 / 1000);
  s["audio_kbps"] = std::llround(meters_[key + " audio"].update(abytes, now) * 8 / 1000);
  s["video_codec"] = codec_name(st.value("videocodecid", json(nullptr)), true);
  s["audio_codec"] = codec_name(st.value("audiocodecid", json(nullptr)), false);
  return s;
}

}  // namespace lectern::server
