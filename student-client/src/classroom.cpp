// classroom: the control channel on its io thread, players started after the welcome.
#include "classroom.hpp"

#include <boost/asio/post.hpp>

namespace lectern::student {

namespace {
constexpr auto k_welcome_wait = std::chrono::seconds(5);
constexpr std::size_t k_chat_lines = 200;

// rtmp://H:P/live/3?token=T → rtmp://H:P/live/3-screen?token=T (the screen share's stream).
std::string with_suffix(const std::string& url, const std::string& suffix) {
  const auto q = url.find('?');
  if (q == std::string::npos) return url + suffix;
  return url.substr(0, q) + suffix + url.substr(q);
}

std::string with_query(std::string url, const std::string& kv) {
  url += url.find('?') == std::string::npos ? '?' : '&';
  url += kv;
  return url;
}

// rtmp://H:P/app/… → rtmp://VIA/app/… (--rtmp-via).
std::string via(const std::string& url, const std::string& host_port) {
  const auto start = url.find("://");
  if (host_port.empty() || start == std::string::npos) return url;
  const auto path = url.find('/', start + 3);
  return url.substr(0, start + 3) + host_port +
         (path == std::string::npos ? std::string() : url.substr(path));
}

std::string text_of(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}
}  // namespace

classroom::classroom(const options& opts, client::join_info join, json_log& log)
    : opts_(opts), join_(std::move(join)), log_(log), work_(io_.get_executor()) {
  view_.room_name = join_.room.name;
  follow_room_buffer_ = !opts_.buffer.has_value();
}

classroom::~classroom() {
  stop();
}

void classroom::start() {
  started_at_ = std::chrono::steady_clock::now();
  client::control_options co;
  co.ws_url = join_.ws_url;
  co.name = opts_.name;
  channel_ = std::make_unique<client::control_channel>(io_, co, make_callbacks());
  channel_->start();
  io_thread_ = std::thread([this] { io_.run(); });
}

void classroom::stop() {
  if (channel_) {
    // The channel is destroyed on its io thread (control_channel.hpp), then the loop ends.
    boost::asio::post(io_, [this] {
      channel_.reset();
      work_.reset();
    });
  }
  if (io_thread_.joinable()) io_thread_.join();
  std::unique_ptr<media::player> teacher, screen;
  std::unique_ptr<speaker> spk;
  {
    std::lock_guard lock(mutex_);
    teacher.swap(teacher_);
    screen.swap(screen_);
    spk.swap(speaker_);
  }
  // Destroyed outside the lock: their threads' callbacks may take it.
}

client::control_callbacks classroom::make_callbacks() {
  client::control_callbacks cb;
  cb.on_welcome = [this](const client::welcome_info& w) { on_welcome(w); };
  cb.on_state_changed = [this](const std::string& so) { on_state_changed(so); };
  cb.on_speak_granted = [this](const client::speak_grant& g) { on_grant(g); };
  cb.on_event = [this](const nlohmann::json& e) {
    log_.event(text_of(e, "code").empty() ? text_of(e, "op") : text_of(e, "code"), {{"detail", e}});
    if (text_of(e, "op") == "class.ended") finish("the class has ended");
  };
  cb.on_kicked = [this] { finish("removed from the room by the teacher"); };
  cb.on_disconnected = [this](const client::disconnect_info& d) {
    log_.event("disconnected", {{"reason", d.reason}, {"will_retry", d.will_retry}});
    if (!d.will_retry) finish(d.reason);
  };
  cb.on_result = [this](const client::request_result& r) {
    if (!r.ok) log_.event("refused", {{"code", r.code}, {"message", r.message}});
  };
  return cb;
}

void classroom::on_welcome(const client::welcome_info& w) {
  log_.event("welcome",
             {{"participant", w.participant_id}, {"room", w.room}, {"reconnect", w.reconnect}});
  std::lock_guard lock(mutex_);
  view_.participant = w.participant_id;
  if (!teacher_) start_players(w.participant_id);
}

void classroom::tick() {
  std::lock_guard lock(mutex_);
  if (!teacher_ && std::chrono::steady_clock::now() - started_at_ > k_welcome_wait) {
    log_.event("no_welcome", {{"detail", "the control channel did not answer; playing anyway"}});
    start_players({});
  }
  if (speaker_ && !speaker_->running()) {
    speaker_.reset();
    view_.speaking = false;
    log_.event("speak.stopped", {{"detail", "the publication ended"}});
  }
}

// Called with mutex_ held.
void classroom::start_players(const std::string& participant) {
  auto url = via(join_.rtmp_url, opts_.rtmp_via);
  // The participant id lets a kick close our RTMP connections too (docs/api.md).
  if (!participant.empty()) url = with_query(url, "participant=" + participant);
  const auto teacher_url = opts_.audio_only ? with_query(url, "video=0") : url;
  teacher_ = make_player(feed::teacher, teacher_url);
  teacher_->start();
  if (!opts_.no_screen && !opts_.audio_only) {
    screen_ = make_player(feed::screen, with_suffix(url, "-screen"));
    screen_->start();
  }
}

std::unique_ptr<media::player> classroom::make_player(feed which, const std::string& url) {
  media::player_options po;
  po.url = url;
  po.buffer = opts_.buffer.value_or(media::buffer_setting{false, join_.room.buffer_ms});
  po.auto_initial_ms = std::max(join_.room.buffer_ms, 500);
  if (which == feed::teacher && !opts_.headless && !opts_.no_audio) {
    std::string error;
    po.audio = media::make_sdl_audio_sink(error);
    if (!po.audio) log_.event("audio.unavailable", {{"detail", error}});
  }
  // Nobody may share a screen for a whole class: wait long before reconnecting.
  if (which == feed::screen) po.idle_timeout = std::chrono::seconds(60);
  const std::string name = which == feed::teacher ? "teacher" : "screen";
  media::player_callbacks cb;
  cb.on_event = [this, name](const media::player_event& e) {
    log_.event(e.code, {{"stream", name}, {"detail", e.detail}});
  };
  cb.on_video = [this, which](const media::video_frame& f) {
    if (on_frame_) on_frame_(which, f);
  };
  return std::make_unique<media::player>(std::move(po), std::move(cb));
}

void classroom::on_state_changed(const std::string& so) {
  if (so == "roster") on_roster_changed();
  if (so == "chat") on_chat_changed();
  if (so == "room") on_room_changed();
}

void classroom::on_roster_changed() {
  const auto* obj = channel_->objects().find("roster");
  if (obj == nullptr) return;
  std::vector<roster_entry> roster;
  bool my_speak = false;
  std::lock_guard lock(mutex_);
  for (const auto& [id, v] : obj->slots.items()) {
    roster_entry e{id, text_of(v, "name"), text_of(v, "role"), v.value("hand", false),
                   v.contains("speak") && v["speak"].is_string()};
    if (id == view_.participant) {
      view_.hand = e.hand;
      my_speak = e.speaking;
    }
    roster.push_back(std::move(e));
  }
  view_.roster = std::move(roster);
  if (!my_speak && (grant_ || speaker_)) {
    // The teacher revoked the grant: the server stops the publication; stop ours too.
    grant_.reset();
    view_.grant_pending = false;
    view_.speaking = false;
    speaker_.reset();
    log_.event("speak.revoked");
  }
}

void classroom::on_chat_changed() {
  const auto* obj = channel_->objects().find("chat");
  if (obj == nullptr) return;
  std::vector<chat_line> lines;
  std::lock_guard lock(mutex_);
  for (const auto& [id, v] : obj->slots.items()) {  // ids sort in message order
    chat_line l{id, text_of(v, "name"), text_of(v, "role"), text_of(v, "text")};
    if (chat_seen_.insert(id).second) {
      log_.event("chat", {{"id", id}, {"name", l.name}, {"role", l.role}, {"text", l.text}});
    }
    lines.push_back(std::move(l));
  }
  if (lines.size() > k_chat_lines) lines.erase(lines.begin(), lines.end() - k_chat_lines);
  while (chat_seen_.size() > 2 * k_chat_lines) chat_seen_.erase(chat_seen_.begin());
  view_.chat = std::move(lines);
}

void classroom::on_room_changed() {
  const auto* ms = channel_->objects().slot("room", "buffer_ms");
  if (ms == nullptr || !ms->is_number_integer()) return;
  std::lock_guard lock(mutex_);
  if (!follow_room_buffer_ || !teacher_) return;
  // No --buffer given: follow the teacher's recommendation as it changes.
  const media::buffer_setting s{false, ms->get<int>()};
  teacher_->set_buffer(s);
  if (screen_) screen_->set_buffer(s);
}

void classroom::on_grant(const client::speak_grant& g) {
  log_.event("speak.granted", {{"stream", g.stream}});
  {
    std::lock_guard lock(mutex_);
    grant_ = g;
    view_.grant_pending = true;
  }
  if (opts_.auto_consent) consent_to_speak();
}

void classroom::consent_to_speak() {
  std::lock_guard lock(mutex_);
  if (!grant_) {
    log_.event("speak.refused", {{"detail", "the teacher has not called on you"}});
    return;
  }
  if (speaker_) return;
  std::string error;
  speaker_ = speaker::start(
      opts_, grant_->publish_url,
      [this](const media::video_frame& f) {
        if (on_preview_) on_preview_(feed::teacher, f);
      },
      [this](const std::string& code, const std::string& detail) {
        log_.event(code, {{"stream", "speak"}, {"detail", detail}});
      },
      error);
  view_.grant_pending = false;
  view_.speaking = speaker_ != nullptr;
  if (speaker_) {
    log_.event("speak.started", {{"stream", grant_->stream}});
  } else {
    log_.event("speak.failed", {{"detail", error}});
  }
}

void classroom::stop_speaking() {
  std::lock_guard lock(mutex_);
  speaker_.reset();
  view_.speaking = false;
}

void classroom::raise_hand(bool up) {
  if (up) {
    channel_->raise_hand();
  } else {
    channel_->lower_hand();
  }
}

void classroom::send_chat(const std::string& text) {
  channel_->chat_send(text);
}

void classroom::set_buffer(media::buffer_setting setting) {
  std::lock_guard lock(mutex_);
  follow_room_buffer_ = false;
  if (teacher_) teacher_->set_buffer(setting);
  if (screen_) screen_->set_buffer(setting);
}

std::optional<media::player_stats> classroom::stats(feed which) const {
  std::lock_guard lock(mutex_);
  const auto& p = which == feed::teacher ? teacher_ : screen_;
  if (!p) return std::nullopt;
  return p->stats();
}

class_view classroom::view() const {
  std::lock_guard lock(mutex_);
  return view_;
}

bool classroom::speaking() const {
  std::lock_guard lock(mutex_);
  return speaker_ != nullptr;
}

std::string classroom::speak_state() const {
  std::lock_guard lock(mutex_);
  return speaker_ ? speaker_->state() : std::string();
}

void classroom::finish(const std::string& reason) {
  {
    std::lock_guard lock(mutex_);
    if (done_.load()) return;
    done_reason_ = reason;
  }
  log_.event("finished", {{"reason", reason}});
  done_.store(true);
}

std::string classroom::done_reason() const {
  std::lock_guard lock(mutex_);
  return done_reason_;
}

}  // namespace lectern::student
