// lectern-student's command line.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "lectern/media/buffer_policy.hpp"

namespace lectern::student {

/// Everything the command line says.
struct options {
  std::string link;    ///< a join link (positional or --link)
  std::string server;  ///< --server, with --room and --token
  std::string room;
  std::string token;
  std::string name = "Student";
  std::optional<media::buffer_setting> buffer;  ///< nullopt: the room's recommendation
  bool headless = false;
  std::string stats_file;  ///< empty: stdout
  double duration_s = 0;   ///< 0: until stopped
  bool auto_consent = false;
  bool audio_only = false;
  bool no_screen = false;
  bool no_audio = false;   ///< window mode without a sound card
  std::string rtmp_via;    ///< HOST:PORT to reach the RTMP server through (a tunnel, a proxy)
  std::string screenshot;  ///< window: save one frame here, then exit
  double screenshot_after_s = 4;
  std::vector<std::string> source_args;  ///< --test-source / --camera … for speaking
  bool test_source = false;
  std::string camera;
  std::string microphone;
};

/// Parses argv. Returns nullopt after printing help (exit 0) or an error (exit 2); `exit_code`
/// says which.
std::optional<options> parse_options(int argc, char** argv, int& exit_code);

}  // namespace lectern::student
