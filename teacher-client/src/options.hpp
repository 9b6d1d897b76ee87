// lectern-teacher's command line: where to join, what to capture, how to encode, how to run.
#pragma once

#include <optional>
#include <string>

#include "lectern/media/encoder.hpp"

namespace lectern::teacher {

/// Every option of lectern-teacher (see --help and teacher-client/README.md).
struct teacher_options {
  std::string join_link;  ///< positional, or built from server/room/token
  std::string server, room, token;
  std::string name = "Teacher";

  media::video_encoder_options video;
  media::audio_encoder_options audio;
  std::optional<int> keyint_frames;  ///< --keyint; default 2 s of frames

  std::string camera;   ///< --camera DEV; empty: the first camera found
  std::string mic;      ///< --mic DEV; empty: PulseAudio's default source
  bool denoise = true;  ///< afftdn on the microphone
  bool screen = false;  ///< --screen: also publish live/ROOM-screen
  std::string screen_display;
  int screen_fps = 10;
  int screen_bitrate_kbps = 1500;
  std::string file;  ///< --file PATH: publish it as live
  bool loop = false;
  bool test_source = false;
  bool list_devices = false;

  bool headless = false;
  double duration_s = 0;   ///< 0: until stopped
  std::string stats_path;  ///< --stats FILE ("-": stdout); headless default stdout
  std::string screenshot;  ///< --screenshot FILE: the window's pixels after --duration
  bool help = false;
};

/// Parses argv; on failure returns false with `error` saying which option and why.
bool parse_options(int argc, char** argv, teacher_options& out, std::string& error);

/// The --help text.
std::string usage();

}  // namespace lectern::teacher
