// playback_engine: buffering, clock, decode, present, stalls and catch-up.
#include "playback_engine.hpp"

#include <algorithm>

#include "lectern/media/av_error.hpp"
#include "lectern/media/source.hpp"  // unix_now_us
#include "lectern/shared/capture_time.hpp"

namespace lectern::media {

namespace {
using std::chrono::microseconds;
using std::chrono::milliseconds;

// Packets are decoded this far ahead of the clock: the audio sink holds about this much,
// and a handful of video frames wait decoded for their time.
constexpr std::int64_t k_lookahead_us = 120'000;
// A dry spell shorter than this (under two AAC frames) is a scheduling hiccup, not a stall.
constexpr auto k_stall_grace = milliseconds(40);
// Audio older than this next to the newest video means the stream lost its audio: the
// clock falls back to the wall.
constexpr std::int64_t k_audio_stale_us = 1'000'000;
constexpr std::size_t k_max_frames = 32;   // decoded frames waiting for their time
constexpr std::size_t k_max_stamps = 256;  // capture stamps waiting for their frame
constexpr int k_max_packets_per_step = 64;
constexpr auto k_idle_wait = milliseconds(5);
// A server sends its GOP cache at once when a player joins: wait this long after the first
// packet so that the whole burst is in before choosing where to start.
constexpr auto k_start_settle = milliseconds(300);

std::int64_t us_between(playback_engine::clock::time_point a,
                        playback_engine::clock::time_point b) {
  return std::chrono::duration_cast<microseconds>(b - a).count();
}

// Whether audio still keeps up with video, so that the audio clock can lead (the one rule
// for both where playback may go and which clock runs).
bool audio_live(std::optional<std::int64_t> audio, std::optional<std::int64_t> video) {
  return audio && (!video || *audio + k_audio_stale_us >= *video);
}
}  // namespace

playback_engine::playback_engine(jitter_buffer& buffer, std::unique_ptr<audio_sink> sink,
                                 bool decode_video, buffer_setting setting,
                                 std::int64_t auto_initial_us, engine_callbacks callbacks)
    : buffer_(buffer),
      sink_(std::move(sink)),
      decode_video_(decode_video),
      callbacks_(std::move(callbacks)),
      policy_(setting, auto_initial_us),
      scratch_(make_frame()) {}

void playback_engine::run(const std::atomic<bool>& stop) {
  while (!stop.load()) step(clock::now());
}

void playback_engine::set_buffer(buffer_setting setting) {
  std::lock_guard lock(mutex_);
  pending_ = setting;
}

player_stats playback_engine::snapshot() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void playback_engine::step(clock::time_point now) {
  std::optional<buffer_setting> pending;
  {
    std::lock_guard lock(mutex_);
    pending.swap(pending_);
  }
  if (pending) {
    policy_.set(*pending, now);
    emit("Lectern.Buffer.Set", "buffer " + pending->text());
  }
  if (const auto g = buffer_.generation(); g != generation_) {
    generation_ = g;
    reset_timeline(now);
  }
  buffer_.drain_arrivals(arrivals_);
  if (!first_arrival_ && !arrivals_.empty()) first_arrival_ = arrivals_.front().second;
  for (const auto& [dts, at] : arrivals_) policy_.on_arrival(dts, at);
  target_us_ = policy_.target_us(now);
  if (state_ == player_state::playing) {
    step_playing(now);
  } else {
    step_buffering(now);
  }
  publish(now);
}

void playback_engine::reset_timeline(clock::time_point now) {
  if (stall_began_) counters_.stalled_ms += us_between(*stall_began_, now) / 1000;
  stall_began_.reset();
  state_ = player_state::waiting;
  frames_.clear();
  stamps_.clear();
  sink_->clear();
  position_.reset();
  first_arrival_.reset();
  dry_since_.reset();
  audio_written_ = false;
  rate_ = 1.0;
  policy_.on_new_timeline(now);
}

std::optional<std::int64_t> playback_engine::newest_us() const {
  const auto audio = buffer_.newest_us(media_kind::audio);
  const auto video = buffer_.newest_us(media_kind::video);
  // The audio clock plays what audio arrived: video beyond it cannot be played yet.
  return audio_live(audio, video) ? audio : video;
}

void playback_engine::step_buffering(clock::time_point now) {
  const auto newest = newest_us();
  const auto front = buffer_.front_dts_us();
  if (!newest || (!front && !position_)) {
    level_us_ = 0;
    buffer_.wait(k_idle_wait);
    return;
  }
  if (state_ == player_state::waiting) state_ = player_state::buffering;
  const auto base = position_.value_or(front.value_or(*newest));
  level_us_ = std::max<std::int64_t>(0, *newest - base);
  // bufferTime semantics: start once the buffer holds the target; something must be there
  // to play even when the target is 0.
  const bool settled = position_ || (first_arrival_ && now - *first_arrival_ >= k_start_settle);
  if (front && settled && level_us_ > 0 && level_us_ >= target_us_) {
    start_playback(std::max(base, *newest - target_us_), now);
    return;
  }
  buffer_.wait(k_idle_wait);
}

void playback_engine::start_playback(std::int64_t start_us, clock::time_point now) {
  // More than the target arrived (the server's GOP burst, a publisher that came back):
  // start late enough that the buffer holds just the target.
  buffer_.skip_to(start_us);
  skip_until_us_ = start_us;
  anchor_us_ = start_us;
  anchor_time_ = now;
  audio_end_us_ = start_us;
  audio_written_ = false;
  audio_master_ = buffer_.seen(media_kind::audio);
  position_.reset();
  dry_since_.reset();
  rate_ = 1.0;
  state_ = player_state::playing;
  std::string detail = "buffer holds " + std::to_string(level_us_ / 1000) + " ms";
  if (stall_began_) {
    const auto stalled = us_between(*stall_began_, now) / 1000;
    counters_.stalled_ms += stalled;
    detail += " after " + std::to_string(stalled) + " ms of stall";
    stall_began_.reset();
  }
  emit("NetStream.Buffer.Full", detail);
}

void playback_engine::step_playing(clock::time_point now) {
  update_clock_mode(now);
  feed(clock_us(now) + k_lookahead_us);
  const auto c = clock_us(now);
  present(c);
  if (dry(c, now)) {
    enter_stall(c, now);
    return;
  }
  const auto newest = newest_us();
  level_us_ = newest ? std::max<std::int64_t>(0, *newest - c) : 0;
  const auto decision = policy_.decide(level_us_, now);
  if (decision.skip) {
    jump_to(*newest - target_us_, now);
  } else {
    set_rate(decision.rate, now);
  }
  buffer_.wait(k_idle_wait);
}

bool playback_engine::dry(std::int64_t clock_us, clock::time_point now) {
  bool empty = false;
  if (audio_master_) {
    const auto newest_audio = buffer_.newest_us(media_kind::audio);
    empty = sink_->queued_us() == 0 && (!newest_audio || *newest_audio <= last_audio_fed_us_);
  } else {
    const auto newest_video = buffer_.newest_us(media_kind::video);
    empty = !buffer_.front_dts_us() && (!newest_video || clock_us > *newest_video);
  }
  if (!empty) {
    dry_since_.reset();
    return false;
  }
  if (!dry_since_) dry_since_ = now;
  return now - *dry_since_ >= k_stall_grace;
}

void playback_engine::enter_stall(std::int64_t position_us, clock::time_point now) {
  state_ = player_state::buffering;
  position_ = position_us;
  stall_began_ = *dry_since_;
  ++counters_.stalls;
  rate_ = 1.0;
  policy_.on_stall(now);
  emit("NetStream.Buffer.Empty", "buffer ran dry at " + std::to_string(position_us / 1000) +
                                     " ms; waiting for " + std::to_string(target_us_ / 1000) +
                                     " ms");
}

void playback_engine::jump_to(std::int64_t us, clock::time_point now) {
  const auto dropped = buffer_.skip_to(us);
  sink_->clear();
  frames_.clear();
  skip_until_us_ = us;
  anchor_us_ = us;
  anchor_time_ = now;
  audio_end_us_ = us;
  audio_written_ = false;
  rate_ = 1.0;
  ++counters_.skips;
  emit("Lectern.Skip", "skipped ahead to hold " + std::to_string(target_us_ / 1000) + " ms (" +
                           std::to_string(dropped) + " packets dropped)");
}

std::int64_t playback_engine::clock_us(clock::time_point now) {
  if (audio_master_) {
    if (!audio_written_) return anchor_us_;
    const auto queued = static_cast<std::int64_t>(static_cast<double>(sink_->queued_us()) * rate_);
    return audio_end_us_ - queued;
  }
  return anchor_us_ +
         static_cast<std::int64_t>(static_cast<double>(us_between(anchor_time_, now)) * rate_);
}

// A stream whose audio stopped (a muted microphone that sends nothing) keeps playing on
// the wall clock; when audio comes back the clock follows it again.
void playback_engine::update_clock_mode(clock::time_point now) {
  const bool live =
      audio_live(buffer_.newest_us(media_kind::audio), buffer_.newest_us(media_kind::video));
  if (live == audio_master_) return;
  const auto c = clock_us(now);
  audio_master_ = live;
  anchor_us_ = c;
  anchor_time_ = now;
  audio_end_us_ = c;
  audio_written_ = false;
}

void playback_engine::set_rate(double rate, clock::time_point now) {
  if (rate == rate_) return;
  if (!audio_master_) {
    anchor_us_ = clock_us(now);
    anchor_time_ = now;
  }
  rate_ = rate;
}

void playback_engine::feed(std::int64_t until_us) {
  for (int n = 0; n < k_max_packets_per_step; ++n) {
    auto p = buffer_.pop(until_us);
    if (!p) return;
    if (p->kind == media_kind::audio) {
      last_audio_fed_us_ = p->dts_us;
      decode_audio(*p);
    } else if (decode_video_) {
      decode_video(*p);
    }
  }
}

bool playback_engine::ensure_decoder(std::unique_ptr<decoder>& d, const media_packet& p) {
  if (d && d->params() == p.params) return true;
  if (!p.params) return false;
  std::error_code ec;
  d = decoder::open(p.params, ec);
  if (!d && !reported_decoder_error_) {
    reported_decoder_error_ = true;
    emit("Lectern.Decoder.Failed", "cannot decode the stream: " + ec.message());
  }
  return d != nullptr;
}

void playback_engine::decode_audio(const media_packet& p) {
  if (!ensure_decoder(audio_decoder_, p)) return;
  if (audio_decoder_->send(p.packet.get())) return;  // a broken packet: skip it
  while (audio_decoder_->receive(scratch_.get()) == 0) {
    ++counters_.audio_frames;
    if (converter_.convert(*scratch_, rate_, samples_)) continue;
    sink_->write(samples_);
    const auto pts = scratch_->best_effort_timestamp != AV_NOPTS_VALUE
                         ? scratch_->best_effort_timestamp
                         : p.pts_us;
    audio_end_us_ = pts + av_rescale(scratch_->nb_samples, 1'000'000, scratch_->sample_rate);
    audio_written_ = true;
    av_frame_unref(scratch_.get());
  }
}

void playback_engine::decode_video(const media_packet& p) {
  if (!ensure_decoder(video_decoder_, p)) return;
  const std::span<const std::uint8_t> data(p.packet->data,
                                           static_cast<std::size_t>(p.packet->size));
  if (auto stamp = shared::find_capture_time(data, shared::nal_framing::avcc4)) {
    stamps_[p.pts_us] = *stamp;
    while (stamps_.size() > k_max_stamps) stamps_.erase(stamps_.begin());
  }
  if (video_decoder_->send(p.packet.get())) return;
  for (;;) {
    // A frame is allocated only when the last one was kept: most packets end in EAGAIN.
    if (!spare_frame_) spare_frame_ = make_frame();
    if (video_decoder_->receive(spare_frame_.get()) != 0) return;
    ++counters_.frames_decoded;
    counters_.width = spare_frame_->width;
    counters_.height = spare_frame_->height;
    const auto pts = spare_frame_->best_effort_timestamp != AV_NOPTS_VALUE
                         ? spare_frame_->best_effort_timestamp
                         : p.pts_us;
    if (pts < skip_until_us_) {  // decoded only to reach the start point
      av_frame_unref(spare_frame_.get());
      continue;
    }
    frames_.push_back({std::move(spare_frame_), pts});
    if (frames_.size() > k_max_frames) {
      frames_.pop_front();
      ++counters_.frames_dropped;
    }
  }
}

void playback_engine::present(std::int64_t clock_us) {
  while (!frames_.empty() && frames_.front().pts_us <= clock_us) {
    auto f = std::move(frames_.front());
    frames_.pop_front();
    if (!frames_.empty() && frames_.front().pts_us <= clock_us) {
      ++counters_.frames_dropped;  // a newer frame is due too: this one is late
      continue;
    }
    render(f);
  }
}

void playback_engine::render(decoded_frame& f) {
  ++counters_.frames_rendered;
  video_frame v;
  v.frame = f.frame.get();
  v.pts_us = f.pts_us;
  // Stamps of frames before this one were dropped or skipped: forget them.
  const auto it = stamps_.find(f.pts_us);
  if (it != stamps_.end()) {
    v.capture_us = it->second;
    v.latency_us = unix_now_us() - it->second;
    counters_.latency_ms = *v.latency_us / 1000;
  }
  stamps_.erase(stamps_.begin(), stamps_.upper_bound(f.pts_us));
  if (callbacks_.on_video) callbacks_.on_video(v);
}

void playback_engine::emit(std::string code, std::string detail) {
  if (callbacks_.on_event) callbacks_.on_event({std::move(code), std::move(detail)});
}

void playback_engine::publish(clock::time_point now) {
  counters_.state = state_;
  counters_.buffer_ms = level_us_ / 1000;
  counters_.target_buffer_ms = target_us_ / 1000;
  counters_.buffer_setting = policy_.setting().text();
  counters_.jitter_ms = policy_.jitter_us() / 1000;
  counters_.rate = rate_;
  counters_.has_audio = buffer_.seen(media_kind::audio);
  counters_.has_video = buffer_.seen(media_kind::video);
  auto s = counters_;
  if (stall_began_) s.stalled_ms += us_between(*stall_began_, now) / 1000;
  std::lock_guard lock(mutex_);
  stats_ = std::move(s);
}

}  // namespace lectern::media
