#include "room_directory.hpp"

#include <algorithm>

#include <mutex>

namespace lectern::server {

void room_directory::put_room(room_summary r) {
  std::unique_lock lock(mutex_);
  const auto id = r.id;
  rooms_[id] = std::move(r);
}

void room_directory::remove_room(std::int64_t id) {
  std::unique_lock lock(mutex_);
  rooms_.erase(id);
  std::erase_if(tokens_, [id](const auto& t) { return t.second.room_id == id; });
}

std::vector<room_summary> room_directory::rooms() const {
  std::vector<room_summary> out;
  {
    std::shared_lock lock(mutex_);
    out.reserve(rooms_.size());
    for (const auto& [id, r] : rooms_) out.push_back(r);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return out;
}

std::optional<room_summary> room_directory::room(std::int64_t id) const {
  std::shared_lock lock(mutex_);
  const auto it = rooms_.find(id);
  if (it == rooms_.end()) return std::nullopt;
  return it->second;
}

void room_directory::put_token(std::string token_hash, std::int64_t room_id, std::string role) {
  std::unique_lock lock(mutex_);
  std::erase_if(
      tokens_, [&](const auto& t) { return t.second.room_id == room_id && t.second.role == role; });
  tokens_[std::move(token_hash)] = token_grant{room_id, std::move(role), {}, {}};
}

void room_directory::put_grant(std::string token_hash, token_grant grant) {
  std::unique_lock lock(mutex_);
  std::erase_if(tokens_, [&](const auto& t) { return t.second.stream == grant.stream; });
  tokens_[std::move(token_hash)] = std::move(grant);
}

void room_directory::revoke_grant(std::string_view stream) {
  std::unique_lock lock(mutex_);
  std::erase_if(tokens_, [&](const auto& t) {
    return t.second.role == "speaker" && t.second.stream == stream;
  });
}

std::optional<token_grant> room_directory::find(std::string_view token_hash) const {
  std::shared_lock lock(mutex_);
  const auto it = tokens_.find(std::string(token_hash));
  if (it == tokens_.end()) return std::nullopt;
  return it->second;
}

}  // namespace lectern::server
