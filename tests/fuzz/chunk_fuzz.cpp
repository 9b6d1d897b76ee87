// Fuzzes the chunk stream reader. Beyond "no crash" it checks two properties:
//  1. feeding the input in pieces (sizes taken from the input) yields exactly the messages
//     and the error that feeding it whole does;
//  2. whatever was read, re-chunked by chunk_writer and read again, comes back the same.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "lectern/shared/chunk_reader.hpp"
#include "lectern/shared/chunk_writer.hpp"

using namespace lectern::shared;

namespace {

struct result {
  std::vector<rtmp::message> messages;
  std::error_code ec;
};

result read(byte_view data, std::size_t piece) {
  rtmp::chunk_reader reader;
  result res;
  bytes pending;
  std::size_t off = 0;
  for (;;) {
    const std::size_t n = std::min(piece, data.size() - off);
    pending.insert(pending.end(), data.begin() + off, data.begin() + off + n);
    off += n;
    const std::size_t used = reader.put(pending, res.ec);
    for (rtmp::message m; reader.next(m);) res.messages.push_back(std::move(m));
    if (res.ec) return res;
    pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(used));
    if (n == 0 && used == 0) return res;
  }
}

bool same(const rtmp::message& a, const rtmp::message& b) {
  return a.chunk_stream_id == b.chunk_stream_id && a.type == b.type && a.stream_id == b.stream_id &&
         a.timestamp == b.timestamp && a.payload == b.payload;
}

bool same(const std::vector<rtmp::message>& a, const std::vector<rtmp::message>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!same(a[i], b[i])) return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::size_t piece = 1 + data[0] % 32;
  const byte_view input(data + 1, size - 1);

  const result whole = read(input, input.size() + 1);
  const result split = read(input, piece);
  if (whole.ec != split.ec || !same(whole.messages, split.messages)) std::abort();

  rtmp::chunk_writer writer;
  bytes wire;
  for (const auto& m : whole.messages) {
    writer.write(m, wire);
    // Set Chunk Size takes effect for the messages after it, on both sides.
    if (m.kind() == rtmp::message_type::set_chunk_size && m.stream_id == 0 && !whole.ec) {
      byte_reader r(m.payload);
      std::uint32_t n = 0;
      if (r.u32(n)) writer.set_chunk_size(n);
    }
  }
  if (whole.ec) return 0;  // the messages before the error were checked above
  const result again = read(wire, wire.size() + 1);
  if (again.ec || !same(again.messages, whole.messages)) std::abort();
  return 0;
}
