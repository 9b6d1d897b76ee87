// Which sources the teacher publishes, from the command line: camera or its fallback,
// microphone, file, test source, and the screen as a second stream.
#pragma once

#include <string>

#include "lectern/media/publish_pipeline.hpp"
#include "options.hpp"

namespace lectern::teacher {

/// The camera+microphone (or file, or test) pipeline's options for `rtmp_url`. Notices
/// (the test pattern standing in for a missing camera) are appended to `notices`.
media::pipeline_options main_stream_options(const teacher_options& o, const std::string& rtmp_url,
                                            std::string& notices);

/// The screen share's options: video only, to `rtmp_url` (live/ROOM-screen?token=…).
media::pipeline_options screen_stream_options(const teacher_options& o,
                                              const std::string& rtmp_url);

/// live/ROOM?token=T → live/ROOM-screen?token=T.
std::string screen_url(const std::string& rtmp_url);

/// Opens a pipeline; a microphone that cannot be opened is replaced by silence
/// (pipeline_options::silence_without_microphone), which `notices` then says.
std::error_code open_main_pipeline(media::pipeline_options options,
                                   std::unique_ptr<media::publish_pipeline>& out,
                                   std::string& message, std::string& notices);

/// --list-devices output.
std::string device_listing();

}  // namespace lectern::teacher
