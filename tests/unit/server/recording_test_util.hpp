// Helpers shared by the recording and VOD tests: the sample FLV as live media messages, a
// scratch directory per test, and reading files back through the FLV index.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "lectern/shared/amf_value.hpp"
#include "lectern/shared/bytes.hpp"
#include "lectern/shared/data_message.hpp"
#include "lectern/shared/flv_index.hpp"
#include "lectern/shared/media_message.hpp"
#include "lectern/shared/message.hpp"

namespace lectern::server::test {

namespace flv = shared::flv;

inline shared::bytes read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return shared::bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline void write_file(const std::filesystem::path& p, shared::byte_view data) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

/// tests/data/flv/testsrc_2s.flv (see tests/unit/shared/flv_sample_test.cpp): H.264 160x120
/// 15 fps with keyframes at 0 and 1000 ms, AAC; 121 audio/video tags, the last at 2130 ms.
inline std::filesystem::path sample_path() {
  return std::filesystem::path(LECTERN_TEST_DATA) / "flv" / "testsrc_2s.flv";
}
inline constexpr std::size_t k_sample_media_tags = 121;
inline constexpr std::uint32_t k_sample_last_timestamp = 2130;
inline constexpr std::uint32_t k_sample_second_keyframe = 1000;

/// The onMetaData object of a script tag body, if it is one.
inline std::optional<shared::amf::value> on_metadata_of(shared::byte_view body) {
  shared::rtmp::message m;
  m.type = static_cast<std::uint8_t>(shared::rtmp::message_type::data_amf0);
  m.payload.assign(body.begin(), body.end());
  shared::rtmp::data_message d;
  if (shared::rtmp::parse_data(m, d) || d.handler != "onMetaData" || d.values.empty())
    return std::nullopt;
  return d.values.front();
}

/// The sample as a publisher would send it: its onMetaData, and its audio/video tags as live
/// media messages with `offset` added to every timestamp.
struct live_stream {
  shared::amf::value metadata;
  std::vector<shared::media_message> media;
};

inline live_stream sample_stream(std::uint64_t offset = 0) {
  static const shared::bytes file = read_file(sample_path());  // immutable after first use
  flv::file_index index;
  EXPECT_FALSE(flv::build_index(file, index));
  live_stream s;
  for (const auto& t : index.tags) {
    const auto data = flv::file_index::data(t, file);
    if (t.type == flv::tag_type::script) {
      if (auto md = on_metadata_of(data)) s.metadata = *md;
      continue;
    }
    shared::rtmp::message m;
    m.type = static_cast<std::uint8_t>(t.type);
    m.stream_id = 1;
    m.timestamp = t.timestamp + offset;
    m.payload.assign(data.begin(), data.end());
    shared::media_message mm;
    EXPECT_FALSE(shared::media_message::from_message(std::move(m), mm));
    s.media.push_back(std::move(mm));
  }
  return s;
}

/// A file read back and indexed strictly (every PreviousTagSize must be right).
struct indexed_file {
  shared::bytes bytes;
  flv::file_index index;
  std::error_code ec;

  shared::byte_view data(const flv::tag_entry& t) const { return flv::file_index::data(t, bytes); }
  std::size_t count(flv::tag_type type) const {
    std::size_t n = 0;
    for (const auto& t : index.tags) n += t.type == type;
    return n;
  }
  std::size_t media_tags() const {
    return count(flv::tag_type::audio) + count(flv::tag_type::video);
  }
};

inline indexed_file index_file(const std::filesystem::path& p) {
  indexed_file f;
  f.bytes = read_file(p);
  flv::index_options o;
  o.strict_previous_size = true;
  f.ec = flv::build_index(f.bytes, f.index, o);
  return f;
}

/// A fresh directory for one test, removed afterwards.
class scratch_dir {
 public:
  scratch_dir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            ("lectern_rec_" + std::to_string(::getpid()) + "_" + info->test_suite_name() + "_" +
             info->name());
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~scratch_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;

  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace lectern::server::test
