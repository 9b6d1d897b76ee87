#include "http_file.hpp"

#include <boost/beast/core/file.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/optional.hpp>
#include <charconv>
#include <cstdio>
#include <ctime>

#include "http_util.hpp"

namespace lectern::server {
namespace {

namespace beast = boost::beast;

// A body that is one slice of an open file. Beast 1.81's file_body always sends the whole
// file, so a 206 needs its own body type.
struct file_slice_body {
  struct value_type {
    beast::file file;
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
  };

  static std::uint64_t size(const value_type& v) { return v.length; }

  class writer {
   public:
    using const_buffers_type = boost::asio::const_buffer;

    template <bool is_request, class Fields>
    writer(http::header<is_request, Fields>&, value_type& body) : body_(body) {}

    void init(beast::error_code& ec) {
      remain_ = body_.length;
      body_.file.seek(body_.offset, ec);
    }

    boost::optional<std::pair<const_buffers_type, bool>> get(beast::error_code& ec) {
      const auto amount = static_cast<std::size_t>(std::min<std::uint64_t>(remain_, sizeof buf_));
      if (amount == 0) {
        ec = {};
        return boost::none;
      }
      const auto got = body_.file.read(buf_, amount, ec);
      if (ec) return boost::none;
      if (got == 0) {
        // The file shrank under us: fail the write rather than send a short body.
        ec = http::error::short_read;
        return boost::none;
      }
      remain_ -= got;
      return std::make_pair(const_buffers_type(buf_, got), remain_ > 0);
    }

   private:
    value_type& body_;
    std::uint64_t remain_ = 0;
    char buf_[16 * 1024];
  };
};

bool parse_number(std::string_view text, std::uint64_t& out) {
  if (text.empty()) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size();
}

// True if an If-None-Match value lists `etag` or is "*"; weak comparison (RFC 9110 13.1.2).
bool etag_listed(std::string_view header, std::string_view etag) {
  while (!header.empty()) {
    const auto comma = header.find(',');
    auto item = trim_ows(header.substr(0, comma));
    if (item == "*") return true;
    if (item.substr(0, 2) == "W/") item.remove_prefix(2);
    if (item == etag) return true;
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  return false;
}

struct file_facts {
  std::uint64_t size = 0;
  std::chrono::system_clock::time_point modified;
  std::string etag;
};

std::optional<file_facts> stat_file(const std::filesystem::path& path) {
  std::error_code ec;
  file_facts f;
  f.size = std::filesystem::file_size(path, ec);
  if (ec) return std::nullopt;
  const auto mtime = std::filesystem::last_write_time(path, ec);
  if (ec) return std::nullopt;
  f.modified = std::chrono::file_clock::to_sys(mtime);
  const auto ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(f.modified.time_since_epoch());
  char buf[48];
  const int n =
      std::snprintf(buf, sizeof buf, "\"%llx-%llx\"", static_cast<unsigned long long>(f.size),
                    static_cast<unsigned long long>(ns.count()));
  f.etag.assign(buf, static_cast<std::size_t>(n));
  return f;
}

void set_validators(http::response_header<>& h, const file_facts& f, const named_headers& extra) {
  h.set(http::field::etag, f.etag);
  h.set(http::field::last_modified, http_date(f.modified));
  for (const auto& [name, value] : extra) h.set(name, value);
}

}  // namespace

byte_range parse_byte_range(std::string_view header, std::uint64_t size) {
  byte_range whole;
  header = trim_ows(header);
  if (header.substr(0, 6) != "bytes=") return whole;
  const auto spec = trim_ows(header.substr(6));
  if (spec.find(',') != std::string_view::npos) return whole;
  const auto dash = spec.find('-');
  if (dash == std::string_view::npos) return whole;
  const auto first_text = trim_ows(spec.substr(0, dash));
  const auto last_text = trim_ows(spec.substr(dash + 1));
  byte_range r;
  r.what = byte_range::kind::partial;
  byte_range unsatisfiable{byte_range::kind::unsatisfiable, 0, 0};
  if (first_text.empty()) {  // bytes=-n: the last n bytes
    std::uint64_t n = 0;
    if (!parse_number(last_text, n)) return whole;
    if (n == 0 || size == 0) return unsatisfiable;
    r.first = n >= size ? 0 : size - n;
    r.last = size - 1;
    return r;
  }
  if (!parse_number(first_text, r.first)) return whole;
  if (last_text.empty()) {
    r.last = size == 0 ? 0 : size - 1;
  } else if (!parse_number(last_text, r.last) || r.last < r.first) {
    return whole;  // syntactically invalid: ignored (RFC 9110 14.1.1)
  }
  if (r.first >= size) return unsatisfiable;
  r.last = std::min(r.last, size - 1);
  return r;
}

std::string http_date(std::chrono::system_clock::time_point when) {
  const std::time_t t = std::chrono::system_clock::to_time_t(when);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  const auto n = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return std::string(buf, n);
}

std::string attachment_disposition(std::string_view file_name) {
  std::string fallback;
  std::string encoded;
  for (const unsigned char c : file_name) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '.' || c == '-' || c == '_';
    fallback += (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ? static_cast<char>(c) : '_';
    if (plain) {
      encoded += static_cast<char>(c);
    } else {
      static constexpr char k_hex[] = "0123456789ABCDEF";
      encoded += '%';
      encoded += k_hex[c >> 4];
      encoded += k_hex[c & 15];
    }
  }
  std::string out = "attachment; filename=\"";
  out += fallback;
  out += "\"; filename*=UTF-8''";
  out += encoded;
  return out;
}

http::message_generator file_reply(request_context& ctx, const std::filesystem::path& path,
                                   std::string_view content_type,
                                   const std::optional<std::string>& download_name,
                                   const named_headers& extra) {
  const auto facts = stat_file(path);
  file_slice_body::value_type body;
  beast::error_code ec;
  if (facts) body.file.open(path.c_str(), beast::file_mode::scan, ec);
  if (!facts || ec || !std::filesystem::is_regular_file(path)) {
    return error_reply(ctx, http::status::not_found, "not_found", "no such file");
  }
  const auto version = ctx.request().version();
  if (const auto inm = ctx.header(http::field::if_none_match);
      inm && etag_listed(*inm, facts->etag)) {
    http::response<http::empty_body> res(http::status::not_modified, version);
    set_validators(res.base(), *facts, extra);
    return finish_reply(ctx, std::move(res));
  }
  const auto range = parse_byte_range(ctx.header(http::field::range).value_or(""), facts->size);
  if (range.what == byte_range::kind::unsatisfiable) {
    http::response<http::empty_body> res(http::status::range_not_satisfiable, version);
    std::string cr = "bytes */";
    cr += std::to_string(facts->size);
    res.set(http::field::content_range, cr);
    for (const auto& [name, value] : extra) res.set(name, value);
    res.content_length(0);
    return finish_reply(ctx, std::move(res));
  }
  http::response<file_slice_body> res(http::status::ok, version);
  res.set(http::field::content_type, content_type);
  res.set(http::field::accept_ranges, "bytes");
  set_validators(res.base(), *facts, extra);
  if (download_name)
    res.set(http::field::content_disposition, attachment_disposition(*download_name));
  body.length = facts->size;
  if (range.what == byte_range::kind::partial) {
    res.result(http::status::partial_content);
    body.offset = range.first;
    body.length = range.last - range.first + 1;
    std::string cr = "bytes ";
    cr += std::to_string(range.first);
    cr += '-';
    cr += std::to_string(range.last);
    cr += '/';
    cr += std::to_string(facts->size);
    res.set(http::field::content_range, cr);
  }
  res.body() = std::move(body);
  res.prepare_payload();
  return finish_reply(ctx, std::move(res));
}

}  // namespace lectern::server
