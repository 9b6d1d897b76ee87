// One running teacher: the join check, the control channel on its io thread, the camera
// pipeline and the optional screen pipeline. Shared by the headless loop and the window.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "classroom.hpp"
#include "event_log.hpp"
#include "lectern/client/api_client.hpp"
#include "lectern/media/publish_pipeline.hpp"
#include "lectern/ui/video_texture.hpp"
#include "options.hpp"
#include "stats_report.hpp"

namespace lectern::teacher {

/// Joins, opens the media and owns every part until destroyed.
class teacher_app {
 public:
  /// Validates the join link and opens the sources; prints what went wrong to stderr and
  /// returns the exit status (0 on success, 1 on failure).
  static int create(const teacher_options& options, std::unique_ptr<teacher_app>& out);
  ~teacher_app();

  /// Starts the control channel and publishing.
  void start();
  void stop();

  classroom& room() { return *classroom_; }
  media::publish_pipeline& camera() { return *main_; }
  bool screen_sharing() const;
  /// Starts or stops live/ROOM-screen; false with `error` when the screen cannot be opened.
  bool set_screen_sharing(bool on, std::string& error);
  /// One stats line for all pipelines (call once a second).
  nlohmann::json stats_line();
  /// A file without --loop ended or a source failed for good.
  bool finished();
  const teacher_options& options() const { return options_; }
  const client::join_info& join() const { return join_; }
  event_log& events() { return events_; }
  /// Frames the camera pipeline encodes, for the window's preview.
  ui::frame_mailbox& preview() { return preview_; }
  /// Reopens the camera pipeline with other devices (empty: keep); false with `error`
  /// when they cannot be opened (the old pipeline is then started again).
  bool switch_devices(const std::string& camera, const std::string& mic, std::string& error);

 private:
  teacher_app(const teacher_options& options, std::FILE* event_stream);
  void speaker_changed(const std::string& participant, const std::string& stream);

  teacher_options options_;
  client::join_info join_;
  event_log events_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread io_thread_;
  std::unique_ptr<classroom> classroom_;
  ui::frame_mailbox preview_;
  std::unique_ptr<media::publish_pipeline> main_;
  stats_report main_stats_;
  mutable std::mutex screen_mutex_;
  std::unique_ptr<media::publish_pipeline> screen_;
  stats_report screen_stats_;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace lectern::teacher
