// Incremental FLV parser (FLV spec v10.1 E.2, E.3, E.4.1).
#include "lectern/shared/flv_reader.hpp"

#include <algorithm>

#include "lectern/shared/error.hpp"

namespace lectern::shared::flv {

reader::reader(reader_options options) noexcept
    : options_(options),
      state_(options.expect_file_header ? state::file_header : state::tag_header),
      need_(options.expect_file_header ? k_file_header_size : k_tag_header_size) {}

std::size_t reader::put(byte_view in, std::error_code& ec) {
  ec.clear();
  if (has_tag_) {  // the caller is done with the previous tag: its bytes may go
    has_tag_ = false;
    tag_ = {};
    buf_.clear();
  }
  if (state_ == state::failed) {
    ec = error_;
    return 0;
  }
  std::size_t used = 0;
  while (used < in.size() && !has_tag_) {
    const std::size_t n = step(in.subspan(used), ec);
    used += n;
    offset_ += n;
    if (ec) {
      state_ = state::failed;
      error_ = ec;
      break;
    }
  }
  return used;
}

std::size_t reader::step(byte_view in, std::error_code& ec) {
  if (state_ == state::header_skip) {
    const auto n = static_cast<std::uint32_t>(std::min<std::size_t>(skip_, in.size()));
    skip_ -= n;
    if (skip_ == 0) {
      state_ = state::previous_size0;
      need_ = k_previous_size_size;
    }
    return n;
  }
  // Fast path: a whole tag in the caller's buffer is delivered in place, without a copy.
  if (state_ == state::tag_header && buf_.empty() && in.size() >= k_tag_header_size)
    return put_whole_tag(in, ec);
  const std::size_t n = fill(in);
  if (buf_.size() == need_) {
    complete_unit(ec);
  } else if (state_ == state::file_header) {
    // Fail as soon as the signature is in, not 6 bytes later: input that is not FLV at all
    // (an HTML error page) is rejected early, and the same way as the whole-buffer parser.
    if (const auto e = parse_file_header(buf_, header_); e != error::truncated) ec = e;
  }
  return n;
}

std::size_t reader::fill(byte_view in) {
  if (state_ == state::tag_header && buf_.empty()) tag_offset_ = offset_;
  const std::size_t n = std::min(need_ - buf_.size(), in.size());
  buf_.insert(buf_.end(), in.begin(), in.begin() + static_cast<std::ptrdiff_t>(n));
  return n;
}

std::size_t reader::put_whole_tag(byte_view in, std::error_code& ec) {
  tag_header h;
  if ((ec = parse_tag_header(in, h, options_.max_data_size, options_.any_stream_id))) return 0;
  const std::size_t total = k_tag_header_size + h.data_size + k_previous_size_size;
  if (in.size() < total) {  // only part of the body is here: buffer it
    tag_offset_ = offset_;
    start_tag_body(h);
    return k_tag_header_size + fill(in.subspan(k_tag_header_size));
  }
  const std::uint32_t back = decode_previous_size(in.subspan(k_tag_header_size + h.data_size));
  if ((ec = check_back_pointer(back, previous_size_for(h.data_size)))) return 0;
  deliver(h, offset_, in.subspan(k_tag_header_size, h.data_size));
  return total;
}

void reader::complete_unit(std::error_code& ec) {
  switch (state_) {
    case state::file_header:
      if ((ec = parse_file_header(buf_, header_))) return;
      skip_ = header_.data_offset - static_cast<std::uint32_t>(k_file_header_size);
      state_ = skip_ ? state::header_skip : state::previous_size0;
      need_ = k_previous_size_size;
      break;
    case state::previous_size0:
      if ((ec = check_back_pointer(decode_previous_size(buf_), 0))) return;  // E.3: always 0
      state_ = state::tag_header;
      need_ = k_tag_header_size;
      break;
    case state::tag_header: {
      tag_header h;
      if ((ec = parse_tag_header(buf_, h, options_.max_data_size, options_.any_stream_id))) return;
      start_tag_body(h);
      return;  // buf_ was reset for the body
    }
    case state::tag_body: {
      const std::uint32_t back = decode_previous_size(byte_view(buf_).subspan(pending_.data_size));
      if ((ec = check_back_pointer(back, previous_size_for(pending_.data_size)))) return;
      deliver(pending_, tag_offset_, byte_view(buf_).first(pending_.data_size));
      return;  // buf_ holds the delivered data until the next put()
    }
    case state::header_skip:
    case state::failed:
      return;
  }
  buf_.clear();
}

void reader::start_tag_body(const tag_header& h) noexcept {
  pending_ = h;
  state_ = state::tag_body;
  need_ = std::size_t(h.data_size) + k_previous_size_size;
  buf_.clear();
}

void reader::deliver(const tag_header& h, std::uint64_t offset, byte_view data) noexcept {
  tag_ = {h.type, h.timestamp, offset, data, h.stream_id};
  has_tag_ = true;
  state_ = state::tag_header;
  need_ = k_tag_header_size;
}

std::error_code reader::finish() const noexcept {
  if (state_ == state::failed) return error_;
  if (state_ == state::tag_header && (buf_.empty() || has_tag_)) return {};
  return error::truncated;
}

}  // namespace lectern::shared::flv
