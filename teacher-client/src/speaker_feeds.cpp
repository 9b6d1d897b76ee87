// Starting and stopping the called-on students' players.
#include "speaker_feeds.hpp"

#include <algorithm>
#include <vector>

namespace lectern::teacher {

namespace {
// The teacher hears a called-on student with little delay: a conversation, not a lecture.
constexpr int k_speaker_buffer_ms = 300;

/// Passes samples on, or silence while the student is muted (roster `muted`).
class muting_sink final : public media::audio_sink {
 public:
  muting_sink(std::unique_ptr<media::audio_sink> next, std::shared_ptr<std::atomic<bool>> muted,
              media::echo_canceller* echo)
      : next_(std::move(next)), muted_(std::move(muted)), echo_(echo) {}
  void write(std::span<const std::int16_t> samples) override {
    if (*muted_) {
      silence_.assign(samples.size(), 0);
      samples = silence_;  // silence keeps the audio clock running
    }
    // What the speakers play is the echo canceller's reference (far end).
    if (echo_ != nullptr) echo_->playback(samples, media::k_output_channels);
    next_->write(samples);
  }
  std::int64_t queued_us() override { return next_->queued_us(); }
  void clear() override { next_->clear(); }

 private:
  std::unique_ptr<media::audio_sink> next_;
  std::shared_ptr<std::atomic<bool>> muted_;
  media::echo_canceller* echo_;
  std::vector<std::int16_t> silence_;
};
}  // namespace

speaker_feeds::speaker_feeds(std::string rtmp_url, bool play_audio, ui::frame_mailbox* video,
                             media::echo_canceller* echo, event_log& log)
    : rtmp_url_(std::move(rtmp_url)),
      play_audio_(play_audio),
      video_(video),
      echo_(echo),
      log_(log) {}

speaker_feeds::~speaker_feeds() {
  clear();
}

std::string speaker_feeds::stream_url(const std::string& rtmp_url, const std::string& stream) {
  const auto scheme = rtmp_url.find("://");
  const auto path = rtmp_url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  const auto query = rtmp_url.find('?');
  return rtmp_url.substr(0, path) + "/" + stream +
         (query == std::string::npos ? "" : rtmp_url.substr(query));
}

std::unique_ptr<media::audio_sink> speaker_feeds::make_sink(
    std::shared_ptr<std::atomic<bool>> muted) {
  std::unique_ptr<media::audio_sink> sink;
  if (play_audio_) {
    std::string error;
    sink = media::make_sdl_audio_sink(error);
    if (!sink) log_.emit({{"event", "speaker_audio"}, {"error", error}});
  }
  if (!sink) sink = media::make_null_audio_sink();
  return std::make_unique<muting_sink>(std::move(sink), std::move(muted), echo_);
}

void speaker_feeds::set(const std::string& participant, const std::string& stream) {
  std::unique_ptr<media::player> old;  // stopped outside the lock
  {
    std::lock_guard lock(mutex_);
    replace(participant, stream, old);
  }
  if (old) old->stop();
}

void speaker_feeds::replace(const std::string& participant, const std::string& stream,
                            std::unique_ptr<media::player>& old) {
  if (auto it = feeds_.find(participant); it != feeds_.end()) {
    if (it->second.stream == stream) return;
    old = std::move(it->second.player);
    feeds_.erase(it);
  }
  if (!stream.empty()) {
    auto muted = std::make_shared<std::atomic<bool>>(muted_[participant]);
    media::player_options o;
    o.url = stream_url(rtmp_url_, stream);
    o.buffer = *media::buffer_setting::parse(std::to_string(k_speaker_buffer_ms));
    o.audio = make_sink(muted);
    media::player_callbacks cb;
    if (video_ != nullptr) {
      cb.on_video = [v = video_](const media::video_frame& f) { v->put(*f.frame); };
    }
    cb.on_event = [this, participant](const media::player_event& e) {
      log_.emit({{"event", "speaker_player"},
                 {"participant", participant},
                 {"code", e.code},
                 {"detail", e.detail}});
    };
    auto player = std::make_unique<media::player>(std::move(o), std::move(cb));
    player->start();
    feeds_[participant] = {stream, std::move(muted), std::move(player)};
  }
}

void speaker_feeds::set_muted(const std::string& participant, bool muted) {
  std::lock_guard lock(mutex_);
  muted_[participant] = muted;
  if (auto it = feeds_.find(participant); it != feeds_.end()) *it->second.muted = muted;
}

void speaker_feeds::clear() {
  std::map<std::string, feed> feeds;
  {
    std::lock_guard lock(mutex_);
    feeds.swap(feeds_);
  }
  feeds.clear();  // each player's destructor stops it
}

nlohmann::json speaker_feeds::stats() const {
  std::lock_guard lock(mutex_);
  if (feeds_.empty()) return nullptr;
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [participant, f] : feeds_) {
    const auto s = f.player->stats();
    out.push_back({{"participant", participant},
                   {"stream", f.stream},
                   {"state", std::string(media::to_string(s.state))},
                   {"frames", s.frames_decoded},
                   {"rendered", s.frames_rendered},
                   {"audio_frames", s.audio_frames},
                   {"bytes", s.bytes_received},
                   {"width", s.width},
                   {"height", s.height},
                   {"muted", f.muted->load()},
                   {"latency_ms", s.latency_ms ? nlohmann::json(*s.latency_ms) : nullptr}});
  }
  return out;
}

}  // namespace lectern::teacher
