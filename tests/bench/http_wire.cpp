#include "http_wire.hpp"

#include <algorithm>
#include <charconv>

#include "wire_error.hpp"

namespace lectern::bench {

namespace {

char lower(char c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lower(x) == lower(y); });
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A field name is a token (RFC 9110 5.6.2): no separators, no spaces, no controls.
bool is_token(std::string_view s) noexcept {
  constexpr std::string_view separators = "\"(),/:;<=>?@[\\]{}";
  return !s.empty() && std::all_of(s.begin(), s.end(), [&](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u < 0x7f && separators.find(c) == std::string_view::npos;
  });
}

// "HTTP/1.x NNN[ reason]" (RFC 9112 4).
bool parse_status_line(std::string_view line, http_response_head& h) {
  constexpr std::string_view version = "HTTP/1.";
  if (line.size() < 12 || !line.starts_with(version) || line[8] != ' ') return false;
  if (line[7] < '0' || line[7] > '9') return false;
  h.minor_version = line[7] - '0';
  const auto code = line.substr(9, 3);
  if (!std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return false;
  h.status = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
  if (line.size() > 12 && line[12] != ' ') return false;
  h.reason = line.size() > 13 ? line.substr(13) : std::string_view();
  return h.status >= 100;
}

bool parse_field(std::string_view line, http_response_head& h) {
  const auto colon = line.find(':');
  if (colon == std::string_view::npos || !is_token(line.substr(0, colon))) return false;
  std::string name(line.substr(0, colon));
  std::transform(name.begin(), name.end(), name.begin(), lower);
  const std::string_view value = trim(line.substr(colon + 1));
  if (name == "content-length") {
    std::uint64_t n = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    // Two different lengths leave the body's end unknown (RFC 9112 6.3, point 5).
    if (ec != std::errc{} || end != value.data() + value.size() || value.empty() ||
        (h.content_length && *h.content_length != n))
      return false;
    h.content_length = n;
  }
  h.fields.emplace_back(std::move(name), value);
  return true;
}

int hex_value(std::uint8_t c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string printable(std::string_view s, std::size_t max) {
  std::string out;
  for (const char c : s.substr(0, max)) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f) {
      out += c;
    } else {
      constexpr char hex[] = "0123456789abcdef";
      out += {'\\', 'x', hex[u >> 4], hex[u & 15]};
    }
  }
  if (s.size() > max) out += "...";
  return out;
}

const std::string* http_response_head::field(std::string_view name) const noexcept {
  for (const auto& [n, v] : fields)
    if (n == name) return &v;
  return nullptr;
}

bool http_response_head::has_token(std::string_view name, std::string_view token) const {
  for (const auto& [n, v] : fields) {
    if (n != name) continue;
    std::string_view rest = v;
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      if (iequals(trim(rest.substr(0, comma)), token)) return true;
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
  }
  return false;
}

body_framing http_response_head::framing() const {
  if (status < 200 || status == 204 || status == 304) return body_framing::none;
  if (const std::string* te = field("transfer-encoding")) {
    // Chunked must be the last coding; with another last coding the body ends at the close.
    const auto comma = te->rfind(',');
    const std::string_view last =
        trim(comma == std::string::npos ? std::string_view(*te)
                                        : std::string_view(*te).substr(comma + 1));
    return iequals(last, "chunked") ? body_framing::chunked : body_framing::until_close;
  }
  return content_length ? body_framing::length : body_framing::until_close;
}

std::size_t http_head_parser::put(shared::byte_view in, std::error_code& ec) {
  ec = error_;
  if (ec || done_) return 0;
  const std::size_t old = buf_.size();
  const std::size_t take = std::min(in.size(), k_max_head - old);
  buf_.append(reinterpret_cast<const char*>(in.data()), take);
  // The terminator may straddle two puts: search from 3 bytes before the new ones.
  const auto end = buf_.find("\r\n\r\n", old >= 3 ? old - 3 : 0);
  if (end == std::string::npos) {
    if (buf_.size() >= k_max_head) ec = error_ = wire_error::head_too_large;
    return take;
  }
  buf_.resize(end + 4);
  if ((ec = error_ = parse())) return end + 4 - old;
  done_ = true;
  buf_ = std::string();  // the head's text is no longer needed
  return end + 4 - old;
}

std::error_code http_head_parser::parse() {
  std::string_view rest(buf_);
  rest.remove_suffix(2);  // the empty line's CRLF: every line below ends with CRLF
  bool first = true;
  while (!rest.empty()) {
    const auto eol = rest.find("\r\n");
    const std::string_view line = rest.substr(0, eol);
    rest.remove_prefix(eol + 2);
    if (first) {
      if (!parse_status_line(line, head_)) return wire_error::bad_status_line;
      first = false;
    } else if (!parse_field(line, head_)) {  // an obs-fold (a leading space) fails here too
      return wire_error::bad_header_field;
    }
  }
  return first ? std::error_code(wire_error::bad_status_line) : std::error_code();
}

std::size_t chunked_decoder::put(shared::byte_view in, shared::byte_view& data,
                                 std::error_code& ec) {
  data = {};
  ec.clear();
  if (state_ == state::failed) {
    ec = error_;
    return 0;
  }
  std::size_t used = 0;
  while (used < in.size() && state_ != state::done && data.empty()) {
    used += step(in.subspan(used), data, ec);
    if (ec) break;
  }
  return used;
}

// One byte of framing, or as much chunk data as `in` holds.
std::size_t chunked_decoder::step(shared::byte_view in, shared::byte_view& data,
                                  std::error_code& ec) {
  const std::uint8_t c = in[0];
  switch (state_) {
    case state::size:
      if (const int v = hex_value(c); v >= 0) {
        size_ = size_ * 16 + static_cast<unsigned>(v);
        if (size_ > k_max_chunk) ec = fail(wire_error::bad_chunk_size);
        ++digits_;
      } else if (digits_ == 0) {
        ec = fail(wire_error::bad_chunk_size);
      } else if (c == '\r') {
        state_ = state::size_lf;
      } else if (c == ';' || c == ' ' || c == '\t') {  // an extension, maybe after BWS
        state_ = state::extension;
      } else {
        ec = fail(wire_error::bad_chunk_size);
      }
      break;
    case state::extension:
      if (c == '\r') state_ = state::size_lf;
      break;
    case state::size_lf:
      if (c != '\n') {
        ec = fail(wire_error::bad_chunk_size);
        break;
      }
      remaining_ = size_;
      state_ = size_ == 0 ? state::trailer : state::data;
      size_ = digits_ = line_ = 0;
      return 1;
    case state::data: {
      const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, in.size()));
      data = in.first(n);
      remaining_ -= n;
      if (remaining_ == 0) state_ = state::data_cr;
      return n;
    }
    case state::data_cr:
    case state::data_lf:
      if (c != (state_ == state::data_cr ? '\r' : '\n')) {
        ec = fail(wire_error::bad_chunk_end);
        break;
      }
      state_ = state_ == state::data_cr ? state::data_lf : state::size;
      return 1;
    case state::trailer:
      if (++trailer_ > k_max_trailer) ec = fail(wire_error::bad_trailer);
      if (c == '\r')
        state_ = state::trailer_lf;
      else
        ++line_;
      return 1;
    case state::trailer_lf:
      if (c != '\n') {
        ec = fail(wire_error::bad_trailer);
        break;
      }
      state_ = line_ == 0 ? state::done : state::trailer;  // an empty line ends the trailer
      line_ = 0;
      return 1;
    case state::done:
    case state::failed:
      return 0;
  }
  // The size line (digits and extensions) is bounded as a whole.
  if (!ec && ++line_ > k_max_line) ec = fail(wire_error::bad_chunk_size);
  return ec ? 0 : 1;
}

}  // namespace lectern::bench
