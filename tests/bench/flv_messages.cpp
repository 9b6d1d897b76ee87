#include "flv_messages.hpp"

namespace lectern::bench {

namespace {

shared::flv::reader_options options() {
  shared::flv::reader_options o;
  o.max_data_size = flv_messages::k_max_tag;
  o.expect_file_header = true;
  return o;
}

}  // namespace

flv_messages::flv_messages() : reader_(options()) {}

std::error_code flv_messages::put(shared::byte_view in, std::vector<shared::rtmp::message>& out) {
  std::error_code ec;
  while (!in.empty()) {
    const std::size_t used = reader_.put(in, ec);
    if (ec) return ec;
    in = in.subspan(used);
    if (!reader_.has_tag()) continue;
    const shared::flv::tag& t = reader_.current();
    // A timestamp far below the last one went past 2^32 ms (49.7 days); as the chunk
    // reader does, the message keeps counting up.
    if (any_ && t.timestamp < last_ && last_ - t.timestamp > 0x80000000u) epoch_ += 1ull << 32;
    any_ = true;
    last_ = t.timestamp;
    shared::rtmp::message m;
    m.type = static_cast<std::uint8_t>(t.type);
    m.stream_id = t.stream_id;
    m.timestamp = epoch_ + t.timestamp;
    m.payload.assign(t.data.begin(), t.data.end());
    out.push_back(std::move(m));
  }
  return ec;
}

}  // namespace lectern::bench
