// Speaking when called on: publishes camera and microphone (or the test source) to the
// stream a speak grant names, until revoked or stopped.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "lectern/media/video_frame.hpp"
#include "options.hpp"

namespace lectern::student {

/// One running publication; the destructor stops it.
class speaker {
 public:
  using preview_fn = std::function<void(const media::video_frame&)>;
  using event_fn = std::function<void(const std::string& code, const std::string& detail)>;

  /// Starts publishing to `publish_url` (token included). nullptr and `error` on failure.
  static std::unique_ptr<speaker> start(const options& opts, const std::string& publish_url,
                                        preview_fn preview, event_fn on_event, std::string& error);
  virtual ~speaker() = default;
  /// False once the publication ended (refused, revoked, broken).
  virtual bool running() const = 0;
  /// The publication's state: "connecting", "live", "retrying", "stopped".
  virtual std::string state() const = 0;
};

}  // namespace lectern::student
