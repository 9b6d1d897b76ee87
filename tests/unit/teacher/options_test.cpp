// lectern-teacher's command line, environment and URL helpers.
#include "options.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <vector>

#include "media_setup.hpp"
#include "speaker_feeds.hpp"

namespace lectern::teacher {
namespace {

bool parse(std::vector<const char*> args, teacher_options& out, std::string& error) {
  args.insert(args.begin(), "lectern-teacher");
  return parse_options(static_cast<int>(args.size()), const_cast<char**>(args.data()), out, error);
}

TEST(TeacherOptionsTest, FlashSettingsMapToTheEncoders) {
  teacher_options o;
  std::string error;
  ASSERT_TRUE(parse({"http://h:8080/join/3?token=T", "--size", "1280x720", "--fps=25",
                     "--video-bitrate", "2500", "--quality", "23", "--channels", "1", "--headless"},
                    o, error))
      << error;
  EXPECT_EQ(o.join_link, "http://h:8080/join/3?token=T");
  EXPECT_EQ(o.video.width, 1280);
  EXPECT_EQ(o.video.height, 720);
  EXPECT_EQ(o.video.fps, 25);
  EXPECT_EQ(o.video.keyint_frames, 50) << "2 s of frames by default";
  EXPECT_EQ(o.video.bitrate_kbps, 2500);
  EXPECT_EQ(o.video.quality, 23);
  EXPECT_EQ(o.audio.channels, 1);
  EXPECT_EQ(o.stats_path, "-") << "headless prints stats on stdout";
}

TEST(TeacherOptionsTest, BadValuesSayWhatIsExpected) {
  const std::vector<std::pair<std::vector<const char*>, std::string>> cases = {
      {{"L", "--size", "641x360"}, "WIDTHxHEIGHT"},
      {{"L", "--fps", "0"}, "from 1 to 120"},
      {{"L", "--video-bitrate"}, "needs a value"},
      {{"L", "--colour"}, "unknown option '--colour'"},
      {{}, "say where to join"},
      {{"--server", "h", "--room", "1"}, "say where to join"},
      {{"L", "M"}, "more than one join link"},
  };
  for (const auto& [args, expected] : cases) {
    teacher_options o;
    std::string error;
    EXPECT_FALSE(parse(args, o, error));
    EXPECT_NE(error.find(expected), std::string::npos) << error;
  }
}

TEST(TeacherOptionsTest, EnvironmentSetsOptionsAndTheCommandLineWins) {
  ::setenv("LECTERN_VIDEO_BITRATE", "1200", 1);
  ::setenv("LECTERN_HEADLESS", "1", 1);
  ::setenv("LECTERN_TOKEN", "from-env", 1);
  teacher_options o;
  std::string error;
  const bool ok = parse({"--server", "h", "--room", "2", "--video-bitrate", "900"}, o, error);
  ::unsetenv("LECTERN_VIDEO_BITRATE");
  ::unsetenv("LECTERN_HEADLESS");
  ::unsetenv("LECTERN_TOKEN");
  ASSERT_TRUE(ok) << error;
  EXPECT_EQ(o.token, "from-env");
  EXPECT_TRUE(o.headless);
  EXPECT_EQ(o.video.bitrate_kbps, 900);
}

TEST(TeacherUrlsTest, ScreenAndSpeakerStreamsKeepHostAndToken) {
  EXPECT_EQ(screen_url("rtmp://h:1935/live/3?token=T"), "rtmp://h:1935/live/3-screen?token=T");
  EXPECT_EQ(screen_url("rtmp://h/live/3"), "rtmp://h/live/3-screen");
  EXPECT_EQ(speaker_feeds::stream_url("rtmp://h:1935/live/3?token=T", "live/3-p7"),
            "rtmp://h:1935/live/3-p7?token=T");
}

}  // namespace
}  // namespace lectern::teacher
