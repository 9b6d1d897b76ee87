#include "stream_registry.hpp"

namespace lectern::server {

std::shared_ptr<live_stream> stream_registry::acquire(const std::string& key) {
  std::lock_guard lock(mutex_);
  auto& s = streams_[key];
  if (!s) s = std::make_shared<live_stream>(key, limits_);
  return s;
}

std::shared_ptr<live_stream> stream_registry::find(const std::string& key) const {
  std::lock_guard lock(mutex_);
  auto it = streams_.find(key);
  return it == streams_.end() ? nullptr : it->second;
}

void stream_registry::release(const std::string& key) {
  std::lock_guard lock(mutex_);
  auto it = streams_.find(key);
  // A stream another thread acquired but has not published or subscribed to yet is held
  // by that thread's shared_ptr as well: keep it.
  if (it != streams_.end() && it->second.use_count() == 1 && it->second->idle()) {
    streams_.erase(it);
  }
}

std::vector<std::shared_ptr<live_stream>> stream_registry::all() const {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<live_stream>> out;
  out.reserve(streams_.size());
  for (const auto& [key, s] : streams_) out.push_back(s);
  return out;
}

}  // namespace lectern::server
