// File responses: whole files, single byte ranges, conditional GETs, downloads.
#pragma once

#include <boost/beast/http/message_generator.hpp>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http_types.hpp"

namespace lectern::server {

/// Extra response headers by name, e.g. {{"Content-Security-Policy", "..."}} (names Beast's
/// field enum does not know are allowed).
using named_headers = std::vector<std::pair<std::string, std::string>>;

/// What a Range header asks of a file of a given size (RFC 9110 14.1.2, 14.2).
struct byte_range {
  enum class kind {
    whole,          ///< no usable Range (absent, not bytes=, malformed or multi-range): 200
    partial,        ///< one satisfiable range [first, last]: 206
    unsatisfiable,  ///< 416 with Content-Range: bytes */size
  } what = kind::whole;
  std::uint64_t first = 0;
  std::uint64_t last = 0;  ///< inclusive
};

/// Reads a Range header value. A multi-range request is served as the whole file (allowed
/// by RFC 9110 14.2: a server may ignore Range), which spares us multipart/byteranges.
byte_range parse_byte_range(std::string_view header, std::uint64_t size);

/// The file as a response: 200 with Accept-Ranges, 206 for one range, 416 for a range past
/// the end, 304 when If-None-Match names its ETag (size and modification time), Last-Modified,
/// and Content-Disposition: attachment when `download_name` is given. 404 not_found (JSON)
/// if the file cannot be opened (or is not a regular file). HEAD gets the headers only.
/// `extra` headers (caching, security) go on every answer but the 404.
http::message_generator file_reply(request_context& ctx, const std::filesystem::path& path,
                                   std::string_view content_type,
                                   const std::optional<std::string>& download_name = std::nullopt,
                                   const named_headers& extra = {});

/// The Content-Disposition value for a download: an ASCII fallback filename and the exact
/// name as RFC 8187 UTF-8 (RFC 6266 4.3).
std::string attachment_disposition(std::string_view file_name);

/// An HTTP-date (RFC 9110 5.6.7), e.g. "Sun, 06 Nov 1994 08:49:37 GMT".
std::string http_date(std::chrono::system_clock::time_point when);

}  // namespace lectern::server
