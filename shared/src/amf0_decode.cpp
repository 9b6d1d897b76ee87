// AMF0 decoding (AMF0 spec, Adobe 2007), continuing in AMF3 behind each AVM+ switch. Every
// length and count comes from the peer and is checked against amf::limits before anything is
// allocated for it, and what is built is charged to the decoded-bytes budget before it is
// built: references in full before they are copied.
#include <algorithm>
#include <string>
#include <utility>

#include "amf_detail.hpp"
#include "lectern/shared/amf0.hpp"
#include "lectern/shared/error.hpp"

namespace lectern::shared::amf0 {
namespace {

// Type markers, AMF0 spec 2.1.
constexpr std::uint8_t k_number = 0x00;
constexpr std::uint8_t k_boolean = 0x01;
constexpr std::uint8_t k_string = 0x02;
constexpr std::uint8_t k_object = 0x03;
constexpr std::uint8_t k_movieclip = 0x04;
constexpr std::uint8_t k_null = 0x05;
constexpr std::uint8_t k_undefined = 0x06;
constexpr std::uint8_t k_reference = 0x07;
constexpr std::uint8_t k_ecma_array = 0x08;
constexpr std::uint8_t k_object_end = 0x09;
constexpr std::uint8_t k_strict_array = 0x0A;
constexpr std::uint8_t k_date = 0x0B;
constexpr std::uint8_t k_long_string = 0x0C;
constexpr std::uint8_t k_unsupported = 0x0D;
constexpr std::uint8_t k_recordset = 0x0E;
constexpr std::uint8_t k_xml_document = 0x0F;
constexpr std::uint8_t k_typed_object = 0x10;
constexpr std::uint8_t k_avmplus = 0x11;

// A reference is a U16 (AMF0 spec 2.9): later complex values cannot be referenced, so they
// are not recorded.
constexpr std::size_t k_max_references = 0x10000;

}  // namespace

struct decoder::state {
  state(byte_view d, const amf::limits& l, amf::decode_budget* shared)
      : data(d), lim(l), budget(l.max_decoded_bytes, shared), amf3(d, l, budget.account()), in(d) {}

  std::error_code read(byte_reader& r, std::size_t depth, amf::value& out);
  std::error_code read_simple(byte_reader& r, std::uint8_t marker, amf::value& out);
  std::error_code read_utf8(byte_reader& r, bool long_length, std::string& s);
  std::error_code read_complex(byte_reader& r, std::uint8_t marker, std::size_t offset,
                               std::size_t before, std::size_t depth, amf::value& out);
  std::error_code read_container(byte_reader& r, std::uint8_t marker, std::size_t depth,
                                 amf::value& out);
  std::error_code read_properties(byte_reader& r, std::size_t depth,
                                  std::vector<amf::property>& props);
  std::error_code read_strict_array(byte_reader& r, std::size_t depth, amf::value& out);
  std::error_code copy_reference(byte_reader& r, std::size_t depth, amf::value& out);
  std::error_code read_date(byte_reader& r, amf::value& out);

  byte_view data;
  amf::limits lim;
  amf::detail::budget budget;  // shared with amf3: one budget per message
  amf3::detail::reader amf3;   // one set of AMF3 tables for every AVM+ switch of the message
  std::vector<amf::detail::ref_entry> refs;
  std::size_t replay = 0;
  byte_reader in;
};

std::error_code decoder::state::read(byte_reader& r, std::size_t depth, amf::value& out) {
  const std::size_t offset = r.position();
  const std::size_t before = budget.used();
  std::uint8_t marker = 0;
  if (!r.u8(marker)) return error::truncated;
  // AMF0 spec 3.1: the value after an AVM+ marker is AMF3, and charges itself. A reference
  // is charged as the copy it makes, which includes its value.
  if (marker == k_avmplus) return amf3.read(r, depth, out);
  if (marker == k_reference) return copy_reference(r, depth, out);
  if (auto ec = budget.charge(amf::detail::k_value_cost)) return ec;
  switch (marker) {
    case k_object:
    case k_typed_object:
    case k_ecma_array:
    case k_strict_array:
      return read_complex(r, marker, offset, before, depth, out);
    // AMF0 spec 2.6 and 2.16: reserved, never sent by Flash Player.
    case k_movieclip:
    case k_recordset:
      return error::amf_unsupported_type;
    default:
      return read_simple(r, marker, out);
  }
}

std::error_code decoder::state::read_simple(byte_reader& r, std::uint8_t marker, amf::value& out) {
  switch (marker) {
    case k_number: {
      double d = 0;
      if (!r.f64(d)) return error::truncated;
      out = d;
      return {};
    }
    case k_boolean: {
      std::uint8_t b = 0;
      if (!r.u8(b)) return error::truncated;
      out = b != 0;
      return {};
    }
    case k_string:
    case k_long_string:
    case k_xml_document: {
      std::string s;
      if (auto ec = read_utf8(r, marker != k_string, s)) return ec;
      out = marker == k_xml_document ? amf::value(amf::xml_document{std::move(s), false})
                                     : amf::value(std::move(s));
      return {};
    }
    case k_date:
      return read_date(r, out);
    case k_null:
      out = amf::null_t{};
      return {};
    // AMF0 spec 2.15: "unsupported" carries no data; it stands for a value the sender could
    // not serialize, which is what undefined means to the receiver.
    case k_undefined:
    case k_unsupported:
      out = amf::undefined_t{};
      return {};
    default:
      return error::amf_unknown_marker;  // including object-end outside an object
  }
}

// UTF-8 (U16 length) and UTF-8-long (U32 length), AMF0 spec 1.3. The bytes are not validated
// as UTF-8: encoders in the field send CESU-8 and Latin-1, these strings are only compared and
// echoed, and rejecting them would drop real clients.
std::error_code decoder::state::read_utf8(byte_reader& r, bool long_length, std::string& s) {
  std::uint32_t len = 0;
  std::uint16_t short_len = 0;
  if (long_length ? !r.u32(len) : !r.u16(short_len)) return error::truncated;
  if (!long_length) len = short_len;
  if (len > lim.max_string) return error::amf_string_too_long;
  byte_view b;
  if (!r.take(len, b)) return error::truncated;
  if (auto ec = budget.charge(len)) return ec;
  s.assign(as_string(b));
  return {};
}

std::error_code decoder::state::read_date(byte_reader& r, amf::value& out) {
  amf::date d;
  if (!r.f64(d.millis) || !r.s16(d.timezone)) return error::truncated;
  out = d;
  return {};
}

// Objects, typed objects, ECMA arrays and strict arrays take the next reference slot when
// their marker is read, before their members (AMF0 spec 2.9).
std::error_code decoder::state::read_complex(byte_reader& r, std::uint8_t marker,
                                             std::size_t offset, std::size_t before,
                                             std::size_t depth, amf::value& out) {
  if (depth >= lim.max_depth) return error::amf_depth_exceeded;
  std::size_t slot = k_max_references;
  if (replay == 0 && refs.size() < k_max_references) {
    slot = refs.size();
    refs.push_back({offset, 0, false});
  }
  if (auto ec = read_container(r, marker, depth + 1, out)) return ec;
  if (slot != k_max_references) refs[slot] = {offset, budget.used() - before, true};
  return {};
}

std::error_code decoder::state::read_container(byte_reader& r, std::uint8_t marker,
                                               std::size_t depth, amf::value& out) {
  if (marker == k_strict_array) return read_strict_array(r, depth, out);
  if (marker == k_ecma_array) {
    // AMF0 spec 2.10: the count is only a hint, and real encoders send wrong ones (0, or the
    // count before filtering); the members run until object-end.
    std::uint32_t hint = 0;
    if (!r.u32(hint)) return error::truncated;
    amf::ecma_array a;
    if (auto ec = read_properties(r, depth, a.properties)) return ec;
    out = std::move(a);
    return {};
  }
  amf::object o;
  if (marker == k_typed_object) {  // AMF0 spec 2.18: class name, then as an object
    if (auto ec = read_utf8(r, false, o.class_name)) return ec;
  }
  if (auto ec = read_properties(r, depth, o.properties)) return ec;
  out = std::move(o);
  return {};
}

std::error_code decoder::state::read_properties(byte_reader& r, std::size_t depth,
                                                std::vector<amf::property>& props) {
  for (;;) {
    std::string name;
    if (auto ec = read_utf8(r, false, name)) return ec;
    // An empty name followed by object-end closes the object (AMF0 spec 2.5); an empty name
    // followed by a value is a member named "", which some encoders write.
    if (name.empty() && !r.empty() && r.rest()[0] == k_object_end) {
      r.skip(1);
      return {};
    }
    if (props.size() >= lim.max_elements) return error::amf_too_many_elements;
    if (auto ec = budget.charge(amf::detail::k_member_cost)) return ec;
    amf::value v;
    if (auto ec = read(r, depth, v)) return ec;
    props.push_back({std::move(name), std::move(v)});
  }
}

std::error_code decoder::state::read_strict_array(byte_reader& r, std::size_t depth,
                                                  amf::value& out) {
  std::uint32_t count = 0;
  if (!r.u32(count)) return error::truncated;
  if (count > lim.max_elements) return error::amf_too_many_elements;
  amf::strict_array a;
  // Each item takes at least one byte, so the input bounds what the count may reserve, and
  // so does the budget.
  a.items.reserve(
      budget.affordable(std::min<std::size_t>(count, r.remaining()), amf::detail::k_value_cost));
  for (std::uint32_t i = 0; i < count; ++i) {
    amf::value v;
    if (auto ec = read(r, depth, v)) return ec;
    a.items.push_back(std::move(v));
  }
  out = std::move(a);
  return {};
}

// A reference is decoded again from where its value started, with the tables frozen: the copy
// costs no memory until it is made, and is charged in full before it is made, so a chain of
// arrays that each reference the previous one twice fails at once.
std::error_code decoder::state::copy_reference(byte_reader& r, std::size_t depth, amf::value& out) {
  std::uint16_t index = 0;
  if (!r.u16(index)) return error::truncated;
  if (index >= refs.size()) return error::amf_bad_reference;
  const amf::detail::ref_entry e = refs[index];
  // A reference to a value whose members are still being read is a cycle: a value tree
  // cannot hold it.
  if (!e.complete) return error::amf_bad_reference;
  if (!budget.can_afford(e.cost)) return error::limit_exceeded;
  byte_reader again(data);
  again.skip(e.offset);
  ++replay;
  amf3.begin_replay();
  auto ec = read(again, depth, out);
  amf3.end_replay();
  --replay;
  return ec;
}

decoder::decoder(byte_view data, const amf::limits& lim) noexcept
    : state_(std::make_unique<state>(data, lim, nullptr)) {}
decoder::decoder(byte_view data, const amf::limits& lim, amf::decode_budget& budget) noexcept
    : state_(std::make_unique<state>(data, lim, &budget)) {}
decoder::~decoder() = default;

bool decoder::done() const noexcept {
  return state_->in.empty();
}
std::size_t decoder::position() const noexcept {
  return state_->in.position();
}
std::error_code decoder::next(amf::value& out) {
  return state_->read(state_->in, 0, out);
}

namespace {

std::error_code next_all(decoder& d, std::vector<amf::value>& out) {
  out.clear();
  while (!d.done()) {
    amf::value v;
    if (auto ec = d.next(v)) return ec;
    out.push_back(std::move(v));
  }
  return {};
}

}  // namespace

std::error_code decode_all(byte_view data, std::vector<amf::value>& out, const amf::limits& lim) {
  decoder d(data, lim);
  return next_all(d, out);
}

std::error_code decode_all(byte_view data, std::vector<amf::value>& out, const amf::limits& lim,
                           amf::decode_budget& budget) {
  decoder d(data, lim, budget);
  return next_all(d, out);
}

}  // namespace lectern::shared::amf0
