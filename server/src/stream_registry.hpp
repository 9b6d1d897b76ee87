#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "live_stream.hpp"

namespace lectern::server {

/// All live streams by key ("app/name"), shared by every worker thread.
class stream_registry {
 public:
  explicit stream_registry(live_stream_limits limits) : limits_(limits) {}

  /// The stream for `key`, created on first use.
  std::shared_ptr<live_stream> acquire(const std::string& key);
  /// The stream for `key` if it exists.
  std::shared_ptr<live_stream> find(const std::string& key) const;
  /// Forgets `key` if nobody publishes or plays it any more.
  void release(const std::string& key);
  /// Every stream, for stats and shutdown.
  std::vector<std::shared_ptr<live_stream>> all() const;

 private:
  const live_stream_limits limits_;
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<live_stream>, std::less<>> streams_;
};

}  // namespace lectern::server
