// File responses: the Range parser table, and whole/partial/conditional answers over sockets.
#include <filesystem>
#include <fstream>

#include "http_file.hpp"
#include "http_test_util.hpp"

namespace lectern::server::test {
namespace {

using kind = byte_range::kind;

struct range_case {
  const char* header;
  std::uint64_t size;
  kind what;
  std::uint64_t first;
  std::uint64_t last;
};

TEST(HttpRange, ParsesSingleRangesAndIgnoresWhatItCannotServe) {
  const range_case cases[] = {
      {"", 100, kind::whole, 0, 0},
      {"bytes=0-9", 100, kind::partial, 0, 9},
      {"bytes=10-", 100, kind::partial, 10, 99},
      {"bytes=-10", 100, kind::partial, 90, 99},
      {"bytes=-500", 100, kind::partial, 0, 99},     // more than the file: all of it
      {"bytes=90-500", 100, kind::partial, 90, 99},  // end clamped
      {"bytes=99-99", 100, kind::partial, 99, 99},
      {" bytes = 5 - 6 ", 100, kind::whole, 0, 0},  // "bytes =" is not the unit
      {"bytes= 5 - 6 ", 100, kind::partial, 5, 6},
      {"bytes=100-", 100, kind::unsatisfiable, 0, 0},
      {"bytes=100-200", 100, kind::unsatisfiable, 0, 0},
      {"bytes=-0", 100, kind::unsatisfiable, 0, 0},
      {"bytes=0-", 0, kind::unsatisfiable, 0, 0},
      {"bytes=-5", 0, kind::unsatisfiable, 0, 0},
      {"bytes=0-1,5-6", 100, kind::whole, 0, 0},  // multi-range: whole file
      {"bytes=9-5", 100, kind::whole, 0, 0},      // invalid: ignored
      {"bytes=a-b", 100, kind::whole, 0, 0},
      {"bytes=5", 100, kind::whole, 0, 0},
      {"items=0-5", 100, kind::whole, 0, 0},
      {"bytes=-", 100, kind::whole, 0, 0},
      {"bytes=99999999999999999999-", 100, kind::whole, 0, 0},  // overflow: ignored
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.header);
    const auto r = parse_byte_range(c.header, c.size);
    EXPECT_EQ(r.what, c.what);
    if (c.what == kind::partial) {
      EXPECT_EQ(r.first, c.first);
      EXPECT_EQ(r.last, c.last);
    }
  }
}

TEST(HttpRange, AttachmentNameHasAsciiFallbackAndUtf8Form) {
  EXPECT_EQ(attachment_disposition("class 1.flv"),
            "attachment; filename=\"class 1.flv\"; filename*=UTF-8''class%201.flv");
  // Non-ASCII bytes and quotes become '_' in the fallback and are escaped in filename*.
  EXPECT_EQ(attachment_disposition("caf\xC3\xA9\"x\".flv"),
            "attachment; filename=\"caf___x_.flv\"; filename*=UTF-8''caf%C3%A9%22x%22.flv");
}

TEST(HttpRange, HttpDateFormat) {
  EXPECT_EQ(http_date(std::chrono::system_clock::from_time_t(784111777)),
            "Sun, 06 Nov 1994 08:49:37 GMT");
}

class HttpFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("lectern_http_file_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    for (int i = 0; i < 1000; ++i) content_ += static_cast<char>('a' + i % 26);
    std::ofstream(dir_ / "f.bin", std::ios::binary) << content_;
    server_.router.add(http::verb::get, "/files/{name}",
                       [this](request_context& ctx) -> asio::awaitable<http::message_generator> {
                         std::optional<std::string> download;
                         if (ctx.query("download")) download = "lesson 1.bin";
                         co_return file_reply(ctx, dir_ / std::string(ctx.param("name")),
                                              "application/octet-stream", download);
                       });
    server_.start();
  }
  void TearDown() override {
    server_.stop();
    std::filesystem::remove_all(dir_);
  }

  response get(test_client& c, const char* target, const char* range = nullptr,
               http::verb method = http::verb::get) {
    auto req = c.make(method, target);
    if (range) req.set(http::field::range, range);
    return c.request(req);
  }

  std::filesystem::path dir_;
  std::string content_;
  test_server server_;
};

TEST_F(HttpFile, WholeFileHasLengthValidatorsAndAcceptRanges) {
  test_client c(server_.endpoint());
  const auto res = get(c, "/files/f.bin");
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(res.body(), content_);
  EXPECT_EQ(res[http::field::content_length], "1000");
  EXPECT_EQ(res[http::field::accept_ranges], "bytes");
  EXPECT_EQ(res[http::field::content_type], "application/octet-stream");
  EXPECT_FALSE(res[http::field::etag].empty());
  EXPECT_TRUE(res[http::field::last_modified].ends_with("GMT"));
  EXPECT_EQ(res.find(http::field::content_disposition), res.end());
}

TEST_F(HttpFile, SingleRangesGet206WithContentRange) {
  test_client c(server_.endpoint());
  auto res = get(c, "/files/f.bin", "bytes=10-19");
  EXPECT_EQ(res.result(), http::status::partial_content);
  EXPECT_EQ(res.body(), content_.substr(10, 10));
  EXPECT_EQ(res[http::field::content_range], "bytes 10-19/1000");
  res = get(c, "/files/f.bin", "bytes=-3");
  EXPECT_EQ(res.body(), content_.substr(997));
  EXPECT_EQ(res[http::field::content_range], "bytes 997-999/1000");
  res = get(c, "/files/f.bin", "bytes=995-");
  EXPECT_EQ(res.body(), content_.substr(995));
  // Several ranges: the whole file, which RFC 9110 allows.
  res = get(c, "/files/f.bin", "bytes=0-1,5-6");
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(res.body(), content_);
}

TEST_F(HttpFile, RangePastTheEndIs416) {
  test_client c(server_.endpoint());
  const auto res = get(c, "/files/f.bin", "bytes=1000-");
  EXPECT_EQ(res.result(), http::status::range_not_satisfiable);
  EXPECT_EQ(res[http::field::content_range], "bytes */1000");
  EXPECT_TRUE(res.body().empty());
  EXPECT_EQ(get(c, "/files/f.bin").result(), http::status::ok);  // connection still in step
}

TEST_F(HttpFile, MatchingEtagIs304) {
  test_client c(server_.endpoint());
  const auto first = get(c, "/files/f.bin");
  auto req = c.make(http::verb::get, "/files/f.bin");
  req.set(http::field::if_none_match, "\"other\", " + std::string(first[http::field::etag]));
  auto res = c.request(req);
  EXPECT_EQ(res.result(), http::status::not_modified);
  EXPECT_TRUE(res.body().empty());
  EXPECT_EQ(res[http::field::etag], first[http::field::etag]);
  req.set(http::field::if_none_match, "\"other\"");
  EXPECT_EQ(c.request(req).result(), http::status::ok);
  // A changed file has a new ETag.
  std::ofstream(dir_ / "f.bin", std::ios::binary | std::ios::app) << "more";
  req.set(http::field::if_none_match, first[http::field::etag]);
  res = c.request(req);
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(res.body().size(), 1004u);
}

TEST_F(HttpFile, HeadHasTheHeadersOfGetAndNoBody) {
  test_client c(server_.endpoint());
  auto res = get(c, "/files/f.bin", nullptr, http::verb::head);
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(res[http::field::content_length], "1000");
  EXPECT_TRUE(res.body().empty());
  res = get(c, "/files/f.bin", "bytes=0-9", http::verb::head);
  EXPECT_EQ(res.result(), http::status::partial_content);
  EXPECT_EQ(res[http::field::content_length], "10");
  EXPECT_EQ(get(c, "/files/f.bin", "bytes=0-1").body(), "ab");
}

TEST_F(HttpFile, DownloadNameAndMissingFile) {
  test_client c(server_.endpoint());
  auto res = get(c, "/files/f.bin?download=1");
  EXPECT_EQ(res[http::field::content_disposition],
            "attachment; filename=\"lesson 1.bin\"; filename*=UTF-8''lesson%201.bin");
  res = get(c, "/files/none.bin");
  EXPECT_EQ(res.result(), http::status::not_found);
  EXPECT_NE(res.body().find("not_found"), std::string::npos);
}

}  // namespace
}  // namespace lectern::server::test
