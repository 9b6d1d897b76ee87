// control_channel's public face: every method posts to the strand; the impl does the rest.
#include "lectern/client/control_channel.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "control_channel_impl.hpp"

namespace lectern::client {

using nlohmann::json;

std::string serialize(const json& frame) {
  return frame.dump(-1, ' ', false, json::error_handler_t::replace);
}

control_channel::impl::impl(asio::io_context& io, control_options options,
                            control_callbacks callbacks)
    : strand_(asio::make_strand(io)),
      options_(std::move(options)),
      callbacks_(std::move(callbacks)),
      retry_(strand_),
      rng_(options_.jitter_seed != 0 ? options_.jitter_seed : std::random_device{}()) {
  auto u = parse_url(options_.ws_url);
  if (!u) {
    url_error_ = concat("bad control channel URL: ", u.error().message);
  } else if (u->scheme == "wss") {
    url_error_ = "wss:// control channels are not supported yet";
  } else if (u->scheme != "ws") {
    url_error_ = concat("the control channel URL must start with ws://: ", options_.ws_url);
  } else {
    if (u->port.empty()) u->port = "80";
    token_ = query_param(u->target, "token").value_or("");
    // The token travels in hello. Left in the URL, the server would join us at the upgrade
    // with the URL's (missing) name and the hello's name would be refused.
    u->target = without_query_param(u->target, "token");
    url_ = std::move(u.value());
  }
}

std::uint64_t control_channel::impl::request(json frame) {
  const std::uint64_t id = next_id_++;
  frame["id"] = id;
  post_frame(std::move(frame));
  return id;
}

void control_channel::impl::post_frame(json frame) {
  post([text = serialize(frame)](impl& self) mutable { self.enqueue(std::move(text)); });
}

void control_channel::impl::start() {
  if (started_ || stopped_) return;
  started_ = true;
  if (!url_) {
    terminal_ = true;
    notify_disconnected({url_error_, 0, false});
    return;
  }
  asio::co_spawn(
      strand_, [self = shared_from_this()] { return self->run(); }, asio::detached);
}

void control_channel::impl::stop() {
  if (stopped_) return;
  stopped_ = true;
  retry_.cancel();
  queue_.clear();
  if (!conn_) return;
  if (live_) {
    conn_->wake.cancel();  // the writer sends a normal close and the reader sees it answered
  } else {
    beast::get_lowest_layer(conn_->ws).close();  // still connecting: abort it
  }
}

void control_channel::impl::enqueue(std::string frame) {
  if (stopped_) return;
  if (queue_.size() >= options_.max_queued_frames) {
    ++dropped_;  // bounded: a stalled connection must not grow memory without end
    return;
  }
  queue_.push_back(std::move(frame));
  if (conn_ && live_) conn_->wake.cancel();
}

void control_channel::impl::subscribe(const std::string& so, bool persistent) {
  subscriptions_[so] = persistent;
  if (live_) enqueue(serialize(connect_frame(so)));
}

void control_channel::impl::unsubscribe(const std::string& so) {
  subscriptions_.erase(so);
  mirror_.erase(so);
  if (live_) enqueue(serialize(json{{"op", "so.close"}, {"so", so}}));
}

void control_channel::impl::remember_write(std::uint64_t id, pending_write w) {
  constexpr std::size_t k_max_pending = 1024;  // results lost to a drop are never answered
  if (pending_writes_.size() >= k_max_pending) pending_writes_.erase(pending_writes_.begin());
  pending_writes_.emplace(id, std::move(w));
}

control_channel::control_channel(asio::io_context& io, control_options options,
                                 control_callbacks callbacks)
    : impl_(std::make_shared<impl>(io, std::move(options), std::move(callbacks))) {}

control_channel::~control_channel() {
  stop();
}

void control_channel::start() {
  impl_->post([](impl& self) { self.start(); });
}

void control_channel::stop() {
  impl_->post([](impl& self) { self.stop(); });
}

std::uint64_t control_channel::chat_send(const std::string& text, bool to_teacher) {
  json f{{"op", "chat.send"}, {"text", text}};
  if (to_teacher) f["to"] = "teacher";
  return impl_->request(std::move(f));
}

std::uint64_t control_channel::chat_delete(const std::string& message_id) {
  return impl_->request({{"op", "chat.delete"}, {"message", message_id}});
}

std::uint64_t control_channel::raise_hand() {
  return impl_->request({{"op", "hand.raise"}});
}

std::uint64_t control_channel::lower_hand(const std::string& participant) {
  json f{{"op", "hand.lower"}};
  if (!participant.empty()) f["participant"] = participant;
  return impl_->request(std::move(f));
}

std::uint64_t control_channel::speak_grant(const std::string& participant) {
  return impl_->request({{"op", "speak.grant"}, {"participant", participant}});
}

std::uint64_t control_channel::speak_revoke(const std::string& participant) {
  return impl_->request({{"op", "speak.revoke"}, {"participant", participant}});
}

std::uint64_t control_channel::mute(const std::string& participant, bool muted) {
  return impl_->request({{"op", "mute"}, {"participant", participant}, {"muted", muted}});
}

std::uint64_t control_channel::set_buffer(int ms) {
  return impl_->request({{"op", "buffer.set"}, {"ms", ms}});
}

std::uint64_t control_channel::class_start() {
  return impl_->request({{"op", "class.start"}});
}
std::uint64_t control_channel::class_end() {
  return impl_->request({{"op", "class.end"}});
}

std::uint64_t control_channel::kick(const std::string& participant) {
  return impl_->request({{"op", "kick"}, {"participant", participant}});
}

void control_channel::so_connect(const std::string& so, bool persistent) {
  impl_->post([so, persistent](impl& self) { self.subscribe(so, persistent); });
}

void control_channel::so_close(const std::string& so) {
  impl_->post([so](impl& self) { self.unsubscribe(so); });
}

std::uint64_t control_channel::so_set(const std::string& so, const std::string& slot, json value) {
  const std::uint64_t id = impl_->next_id_++;
  json f{{"op", "so.set"}, {"id", id}, {"so", so}, {"slot", slot}, {"value", value}};
  impl_->post(
      [id, w = pending_write{so, slot, std::move(value)}, text = serialize(f)](impl& self) mutable {
        self.remember_write(id, std::move(w));
        self.enqueue(std::move(text));
      });
  return id;
}

std::uint64_t control_channel::so_delete(const std::string& so, const std::string& slot) {
  const std::uint64_t id = impl_->next_id_++;
  json f{{"op", "so.delete"}, {"id", id}, {"so", so}, {"slot", slot}};
  impl_->post(
      [id, w = pending_write{so, slot, std::nullopt}, text = serialize(f)](impl& self) mutable {
        self.remember_write(id, std::move(w));
        self.enqueue(std::move(text));
      });
  return id;
}

void control_channel::so_send(const std::string& so, const std::string& handler, json args) {
  impl_->post_frame(
      {{"op", "so.send"}, {"so", so}, {"handler", handler}, {"args", std::move(args)}});
}

void control_channel::lock(const std::string& so) {
  impl_->post_frame({{"op", "so.lock"}, {"so", so}});
}

void control_channel::unlock(const std::string& so) {
  impl_->post_frame({{"op", "so.unlock"}, {"so", so}});
}

const shared_object_mirror& control_channel::objects() const {
  return impl_->mirror_;
}

std::uint64_t control_channel::dropped_frames() const {
  return impl_->dropped_.load();
}

}  // namespace lectern::client
