// player: owns the jitter buffer, the reader and the engine, and their two threads.
#include "lectern/media/player.hpp"

#include <atomic>
#include <thread>

#include "playback_engine.hpp"
#include "rtmp_reader.hpp"

namespace lectern::media {

std::string_view to_string(player_state s) {
  switch (s) {
    case player_state::connecting:
      return "connecting";
    case player_state::waiting:
      return "waiting";
    case player_state::buffering:
      return "buffering";
    case player_state::playing:
      return "playing";
    case player_state::reconnecting:
      return "reconnecting";
    case player_state::stopped:
      return "stopped";
  }
  return "unknown";
}

namespace {
reader_options make_reader_options(const player_options& o) {
  reader_options r;
  r.url = o.url;
  r.announce_buffer_ms = o.announce_buffer_ms >= 0 ? o.announce_buffer_ms
                         : o.buffer.automatic      ? static_cast<int>(o.auto_initial_ms)
                                                   : o.buffer.fixed_ms;
  r.idle_timeout = o.idle_timeout;
  r.backoff_initial = o.backoff_initial;
  r.backoff_max = o.backoff_max;
  return r;
}
}  // namespace

struct player::impl {
  impl(player_options o, player_callbacks cb)
      : buffer(o.limits),
        reader(make_reader_options(o), buffer, cb.on_event),
        engine(buffer, o.audio ? std::move(o.audio) : make_null_audio_sink(), o.decode_video,
               o.buffer, o.auto_initial_ms * 1000, {cb.on_video, cb.on_event}) {}

  jitter_buffer buffer;
  rtmp_reader reader;
  playback_engine engine;
  std::atomic<bool> stopping{false};
  std::thread reader_thread;
  std::thread engine_thread;
};

player::player(player_options options, player_callbacks callbacks)
    : impl_(std::make_unique<impl>(std::move(options), std::move(callbacks))) {}

player::~player() {
  stop();
}

void player::start() {
  if (impl_->reader_thread.joinable()) return;
  impl_->reader_thread = std::thread([this] { impl_->reader.run(impl_->stopping); });
  impl_->engine_thread = std::thread([this] { impl_->engine.run(impl_->stopping); });
}

void player::stop() {
  impl_->stopping.store(true);
  impl_->buffer.close();
  if (impl_->reader_thread.joinable()) impl_->reader_thread.join();
  if (impl_->engine_thread.joinable()) impl_->engine_thread.join();
}

void player::set_buffer(buffer_setting setting) {
  impl_->engine.set_buffer(setting);
}

player_stats player::stats() const {
  auto s = impl_->engine.snapshot();
  const auto link = impl_->reader.state();
  if (link != player_state::waiting) s.state = link;  // not connected: say so
  s.bytes_received = impl_->reader.bytes();
  s.reconnects = impl_->reader.reconnects();
  s.packets_dropped = impl_->buffer.stats().dropped_packets;
  return s;
}

}  // namespace lectern::media
