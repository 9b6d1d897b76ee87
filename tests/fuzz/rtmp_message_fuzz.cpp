// Fuzzes the typed RTMP message parsers (protocol control, user control, commands, data,
// aggregate, shared object). The first input byte picks the message type id, the rest is
// the payload. Whatever parses must survive its builder: build(parse(x)) parses again.
#include <cstdint>
#include <cstdlib>

#include "lectern/shared/command.hpp"
#include "lectern/shared/control.hpp"
#include "lectern/shared/data_message.hpp"

using namespace lectern::shared;
using namespace lectern::shared::rtmp;

namespace {

void check_control(const message& m) {
  control_message c;
  if (parse_control(m, c)) return;
  control_message again;
  if (parse_control(make_control(c), again)) std::abort();
}

void check_command(const message& m) {
  command cmd;
  if (parse_command(m, cmd)) return;
  // Every typed view must cope with whatever arguments a command carries.
  connect_command cc;
  call_result cr;
  std::uint32_t sid = 0;
  on_status_command os;
  stream_name_command sn;
  publish_command pc;
  play_command pl;
  play2_command p2;
  pause_command pa;
  seek_command se;
  receive_command rc;
  delete_stream_command ds;
  (void)parse_call_result(cmd, cr);
  (void)parse_create_stream_result(cmd, sid);
  (void)parse_on_status(cmd, os);
  (void)parse_stream_name_command(cmd, sn);
  (void)parse_publish(cmd, pc);
  (void)parse_play(cmd, pl);
  (void)parse_play2(cmd, p2);
  (void)parse_pause(cmd, pa);
  (void)parse_seek(cmd, se);
  (void)parse_receive(cmd, rc);
  (void)parse_delete_stream(cmd, ds);
  command back;
  if (parse_command(make_command(cmd, 1, m.type == 17), back)) std::abort();
  if (!parse_connect(cmd, cc)) {
    connect_command again;
    if (parse_connect(to_command(cc), again)) std::abort();
  }
}

void check_data(const message& m) {
  data_message d;
  stream_metadata md;
  (void)parse_data(m, d);
  (void)parse_metadata(m, md);
  message out;
  if (!strip_set_data_frame(m, out)) {
    data_message again;
    if (parse_data(out, again)) std::abort();
  }
  std::vector<message> parts;
  if (!split_aggregate(m, parts)) {
    std::vector<message> again;
    if (split_aggregate(make_aggregate(parts, 1), again) || again.size() != parts.size())
      std::abort();
  }
}

void check_shared_object(const message& m) {
  shared_object_message so;
  if (parse_shared_object(m, so)) return;
  shared_object_message again;
  if (parse_shared_object(make_shared_object(so, 1, m.type == 16), again)) std::abort();
  if (make_shared_object(again).payload != make_shared_object(so).payload) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  message m;
  m.type = data[0] % 24;
  m.timestamp = 1000;
  m.stream_id = 1;
  m.payload.assign(data + 1, data + size);
  check_control(m);
  check_command(m);
  check_data(m);
  check_shared_object(m);
  return 0;
}
