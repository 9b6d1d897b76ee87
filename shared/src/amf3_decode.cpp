// AMF3 decoding (AMF3 spec, Adobe 2013). Every length and count comes from the peer, so each
// is checked against amf::limits before anything is allocated for it, and what is built is
// charged to the decoded-bytes budget before it is built: references in full before they are
// copied.
#include <algorithm>
#include <string>
#include <type_traits>
#include <utility>

#include "amf_detail.hpp"
#include "lectern/shared/amf3.hpp"
#include "lectern/shared/error.hpp"

namespace lectern::shared::amf3 {
namespace {

// Type markers, AMF3 spec 3.1.
constexpr std::uint8_t k_undefined = 0x00;
constexpr std::uint8_t k_null = 0x01;
constexpr std::uint8_t k_false = 0x02;
constexpr std::uint8_t k_true = 0x03;
constexpr std::uint8_t k_integer = 0x04;
constexpr std::uint8_t k_double = 0x05;
constexpr std::uint8_t k_string = 0x06;
constexpr std::uint8_t k_xml_doc = 0x07;
constexpr std::uint8_t k_date = 0x08;
constexpr std::uint8_t k_array = 0x09;
constexpr std::uint8_t k_object = 0x0A;
constexpr std::uint8_t k_xml = 0x0B;
constexpr std::uint8_t k_byte_array = 0x0C;
constexpr std::uint8_t k_vector_int = 0x0D;
constexpr std::uint8_t k_vector_uint = 0x0E;
constexpr std::uint8_t k_vector_double = 0x0F;
constexpr std::uint8_t k_vector_object = 0x10;
constexpr std::uint8_t k_dictionary = 0x11;

constexpr std::size_t k_no_slot = static_cast<std::size_t>(-1);

// U29, AMF3 spec 1.3.1: up to three bytes of 7 bits with a continuation bit, then 8 bits.
std::error_code read_u29(byte_reader& in, std::uint32_t& u) {
  u = 0;
  std::uint8_t b = 0;
  for (int i = 0; i < 3; ++i) {
    if (!in.u8(b)) return error::truncated;
    u = (u << 7) | (b & 0x7Fu);
    if ((b & 0x80u) == 0) return {};
  }
  if (!in.u8(b)) return error::truncated;
  u = (u << 8) | b;
  return {};
}

// The integer type is a U29 holding a 29-bit two's complement value (AMF3 spec 3.6).
std::int32_t sign_extend_29(std::uint32_t u) {
  return (u & 0x10000000u) != 0 ? static_cast<std::int32_t>(u) - (1 << 29)
                                : static_cast<std::int32_t>(u);
}

template <typename T>
bool read_number(byte_reader& in, T& v) {
  if constexpr (std::is_same_v<T, double>) {
    return in.f64(v);
  } else {
    std::uint32_t u = 0;
    if (!in.u32(u)) return false;
    v = static_cast<T>(u);  // Vector.<int> items are two's complement S32 (AMF3 spec 3.15)
    return true;
  }
}

// The length of std::to_string(n).
std::size_t digits(std::size_t n) {
  std::size_t d = 1;
  for (; n >= 10; n /= 10) ++d;
  return d;
}

}  // namespace

namespace detail {

reader::reader(byte_view data, const amf::limits& lim, amf::decode_budget* shared) noexcept
    : data_(data), lim_(lim), budget_(lim.max_decoded_bytes, shared) {}

std::error_code reader::read(byte_reader& in, std::size_t depth, amf::value& out) {
  const std::size_t offset = in.position();
  const std::size_t before = budget_.used();
  std::uint8_t marker = 0;
  if (!in.u8(marker)) return error::truncated;
  // A complex value may be a reference, charged as the copy it makes, which includes its value.
  if (marker >= k_xml_doc && marker <= k_dictionary)
    return read_complex(in, marker, offset, before, depth, out);
  if (auto ec = budget_.charge(amf::detail::k_value_cost)) return ec;
  switch (marker) {
    case k_undefined:
      out = amf::undefined_t{};
      return {};
    case k_null:
      out = amf::null_t{};
      return {};
    case k_false:
      out = false;
      return {};
    case k_true:
      out = true;
      return {};
    case k_integer: {
      std::uint32_t u = 0;
      if (auto ec = read_u29(in, u)) return ec;
      out = amf::value(sign_extend_29(u), nullptr);
      return {};
    }
    case k_double: {
      double d = 0;
      if (!in.f64(d)) return error::truncated;
      out = d;
      return {};
    }
    case k_string: {
      std::string s;
      if (auto ec = read_string(in, s)) return ec;
      out = std::move(s);
      return {};
    }
    default:
      return error::amf_unknown_marker;
  }
}

// UTF-8-vr, AMF3 spec 1.3.2. The bytes are not validated as UTF-8: Flash Player and several
// encoders in the field send CESU-8 or Latin-1, these strings are only compared and echoed,
// and rejecting them would drop real clients; amf_bad_utf8 is left to callers that need it.
std::error_code reader::read_vr(byte_reader& in, std::string_view& s) {
  std::uint32_t u = 0;
  if (auto ec = read_u29(in, u)) return ec;
  if ((u & 1u) == 0) {  // U29S-ref
    if ((u >> 1) >= strings_.size()) return error::amf_bad_reference;
    s = strings_[u >> 1];
    return {};
  }
  const std::size_t len = u >> 1;
  if (len > lim_.max_string) return error::amf_string_too_long;
  byte_view b;
  if (!in.take(len, b)) return error::truncated;
  s = as_string(b);
  // The empty string is never sent by reference, so it never enters the table.
  if (len > 0 && replay_ == 0) strings_.push_back(s);
  return {};
}

std::error_code reader::read_string(byte_reader& in, std::string& s) {
  std::string_view v;
  if (auto ec = read_vr(in, v)) return ec;
  if (auto ec = budget_.charge(v.size())) return ec;
  s.assign(v);
  return {};
}

// Every type from XMLDocument on starts with U29O-ref or an inline header whose low bit is 1
// (AMF3 spec 3.9-3.16), and an inline value takes the next slot of the object table before
// its members are read, as in Flash Player.
std::error_code reader::read_complex(byte_reader& in, std::uint8_t marker, std::size_t offset,
                                     std::size_t before, std::size_t depth, amf::value& out) {
  std::uint32_t u = 0;
  if (auto ec = read_u29(in, u)) return ec;
  if ((u & 1u) == 0) return copy_object(u >> 1, depth, out);
  if (auto ec = budget_.charge(amf::detail::k_value_cost)) return ec;
  std::size_t slot = k_no_slot;
  if (replay_ == 0) {
    slot = objects_.size();
    objects_.push_back({offset, 0, false});
  }
  if (auto ec = read_body(in, marker, u, depth, out)) return ec;
  if (slot != k_no_slot) objects_[slot] = {offset, budget_.used() - before, true};
  return {};
}

std::error_code reader::copy_object(std::uint32_t index, std::size_t depth, amf::value& out) {
  if (index >= objects_.size()) return error::amf_bad_reference;
  const amf::detail::ref_entry e = objects_[index];
  // A reference to a value whose members are still being read is a cycle: a value tree
  // cannot hold it.
  if (!e.complete) return error::amf_bad_reference;
  // Charge the whole copy before making it: a chain of arrays that each reference the
  // previous one twice doubles at every step and must fail at once, not after the copy.
  if (!budget_.can_afford(e.cost)) return error::limit_exceeded;
  byte_reader again(data_);
  again.skip(e.offset);
  begin_replay();
  auto ec = read(again, depth, out);
  end_replay();
  return ec;
}

std::error_code reader::read_body(byte_reader& in, std::uint8_t marker, std::uint32_t u,
                                  std::size_t depth, amf::value& out) {
  const std::uint32_t n = u >> 1;
  switch (marker) {
    case k_xml_doc:
      return read_text(in, n, false, out);
    case k_xml:
      return read_text(in, n, true, out);
    case k_byte_array:
      return read_byte_array(in, n, out);
    case k_vector_int:
      return read_numbers<std::int32_t>(in, n, out);
    case k_vector_uint:
      return read_numbers<std::uint32_t>(in, n, out);
    case k_vector_double:
      return read_numbers<double>(in, n, out);
    case k_date: {  // AMF3 spec 3.10: the rest of U29D-value is unused
      double millis = 0;
      if (!in.f64(millis)) return error::truncated;
      out = amf::date{millis, 0};
      return {};
    }
    default:
      break;
  }
  // The remaining types hold values, and each is one level of nesting.
  if (depth >= lim_.max_depth) return error::amf_depth_exceeded;
  switch (marker) {
    case k_array:
      return read_array(in, n, depth + 1, out);
    case k_object:
      return read_object(in, u, depth + 1, out);
    case k_vector_object:
      return read_vector_object(in, n, depth + 1, out);
    default:
      return read_dictionary(in, n, depth + 1, out);
  }
}

std::error_code reader::read_text(byte_reader& in, std::uint32_t len, bool e4x, amf::value& out) {
  if (len > lim_.max_string) return error::amf_string_too_long;
  byte_view b;
  if (!in.take(len, b)) return error::truncated;
  if (auto ec = budget_.charge(len)) return ec;
  out = amf::xml_document{std::string(as_string(b)), e4x};
  return {};
}

std::error_code reader::read_byte_array(byte_reader& in, std::uint32_t len, amf::value& out) {
  if (len > lim_.max_string) return error::amf_string_too_long;
  byte_view b;
  if (!in.take(len, b)) return error::truncated;
  if (auto ec = budget_.charge(len)) return ec;
  out = amf::byte_array{bytes(b.begin(), b.end())};
  return {};
}

// Vector.<int>, Vector.<uint>, Vector.<Number>: U29V-value, fixed flag, items (spec 3.15).
template <typename T>
std::error_code reader::read_numbers(byte_reader& in, std::uint32_t count, amf::value& out) {
  std::uint8_t fixed = 0;
  if (!in.u8(fixed)) return error::truncated;
  if (count > lim_.max_elements) return error::amf_too_many_elements;
  // The items have a fixed size: check that the input holds them before reserving.
  if (in.remaining() / sizeof(T) < count) return error::truncated;
  if (auto ec = budget_.charge(std::size_t{count} * sizeof(T))) return ec;
  amf::vector_of<T> v;
  v.fixed = fixed != 0;
  v.items.resize(count);
  for (auto& item : v.items) read_number(in, item);  // cannot fail: length checked above
  out = std::move(v);
  return {};
}

std::error_code reader::read_items(byte_reader& in, std::uint32_t count, std::size_t depth,
                                   std::vector<amf::value>& items) {
  // Each item takes at least one byte, so the input bounds what the count may reserve, and
  // so does the budget.
  items.reserve(
      budget_.affordable(std::min<std::size_t>(count, in.remaining()), amf::detail::k_value_cost));
  for (std::uint32_t i = 0; i < count; ++i) {
    amf::value v;
    if (auto ec = read(in, depth, v)) return ec;
    items.push_back(std::move(v));
  }
  return {};
}

// Name/value pairs ending with UTF-8-empty: array associative parts and dynamic members.
// `reserved` counts elements of the same container decoded elsewhere.
std::error_code reader::read_pairs(byte_reader& in, std::size_t reserved, std::size_t depth,
                                   std::vector<amf::property>& props) {
  for (;;) {
    std::string name;
    if (auto ec = read_string(in, name)) return ec;
    if (name.empty()) return {};
    if (props.size() + reserved >= lim_.max_elements) return error::amf_too_many_elements;
    if (auto ec = budget_.charge(amf::detail::k_member_cost)) return ec;
    amf::value v;
    if (auto ec = read(in, depth, v)) return ec;
    props.push_back({std::move(name), std::move(v)});
  }
}

// Array, AMF3 spec 3.11: U29A-value (dense count), associative pairs, dense items.
std::error_code reader::read_array(byte_reader& in, std::uint32_t dense, std::size_t depth,
                                   amf::value& out) {
  if (dense > lim_.max_elements) return error::amf_too_many_elements;
  std::vector<amf::property> assoc;
  if (auto ec = read_pairs(in, dense, depth, assoc)) return ec;
  std::vector<amf::value> items;
  if (auto ec = read_items(in, dense, depth, items)) return ec;
  if (assoc.empty()) {
    out = amf::strict_array{std::move(items)};
    return {};
  }
  // An ActionScript Array keeps named and index keys in one map: the dense items join the
  // associative pairs under their indexes, so the whole array stays one ecma_array, and each
  // costs what a member costs.
  std::size_t cost = 0;
  for (std::size_t i = 0; i < items.size(); ++i) cost += amf::detail::k_member_cost + digits(i);
  if (auto ec = budget_.charge(cost)) return ec;
  assoc.reserve(assoc.size() + items.size());
  for (std::size_t i = 0; i < items.size(); ++i)
    assoc.push_back({std::to_string(i), std::move(items[i])});
  out = amf::ecma_array{std::move(assoc)};
  return {};
}

// Object, AMF3 spec 3.12: traits (inline, by reference or externalizable), then members.
std::error_code reader::read_object(byte_reader& in, std::uint32_t u, std::size_t depth,
                                    amf::value& out) {
  traits local;
  const traits* t = nullptr;
  if (auto ec = find_traits(in, u, local, t)) return ec;
  amf::object obj;
  if (auto ec = budget_.charge(t->class_name.size())) return ec;
  obj.class_name.assign(t->class_name);
  auto ec = t->externalizable ? read_externalizable(in, *t, depth, obj)
                              : read_members(in, *t, depth, obj);
  if (!ec) out = std::move(obj);
  return ec;
}

std::error_code reader::find_traits(byte_reader& in, std::uint32_t u, traits& local,
                                    const traits*& found) {
  if ((u & 3u) == 1) {  // U29O-traits-ref
    if ((u >> 2) >= traits_.size()) return error::amf_bad_reference;
    found = &traits_[u >> 2];
    return {};
  }
  if (auto ec = read_traits(in, u, local)) return ec;
  if (replay_ > 0) {
    found = &local;
    return {};
  }
  traits_.push_back(std::move(local));
  found = &traits_.back();
  return {};
}

std::error_code reader::read_traits(byte_reader& in, std::uint32_t u, traits& t) {
  if ((u & 4u) != 0) {  // U29O-traits-ext: the class reads its own data
    t.externalizable = true;
    return read_vr(in, t.class_name);
  }
  t.dynamic = (u & 8u) != 0;
  const std::uint32_t sealed = u >> 4;
  if (sealed > lim_.max_elements) return error::amf_too_many_elements;
  if (auto ec = read_vr(in, t.class_name)) return ec;
  t.members.reserve(std::min<std::size_t>(sealed, in.remaining()));
  for (std::uint32_t i = 0; i < sealed; ++i) {
    std::string_view name;
    if (auto ec = read_vr(in, name)) return ec;
    t.members.push_back(name);
  }
  return {};
}

std::error_code reader::read_members(byte_reader& in, const traits& t, std::size_t depth,
                                     amf::object& obj) {
  obj.sealed_count = t.members.size();
  obj.dynamic = t.dynamic;
  obj.properties.reserve(
      budget_.affordable(std::min(t.members.size(), in.remaining()), sizeof(amf::property)));
  for (const std::string_view member : t.members) {
    if (auto ec = budget_.charge(amf::detail::k_member_cost + member.size())) return ec;
    amf::property p{std::string(member), {}};
    if (auto ec = read(in, depth, p.val)) return ec;
    obj.properties.push_back(std::move(p));
  }
  if (!t.dynamic) return {};
  return read_pairs(in, 0, depth, obj.properties);
}

// Only the Flex wrappers that write a single AMF3 value can be read: any other class writes
// bytes whose layout only that class knows, so nothing after it could be decoded.
std::error_code reader::read_externalizable(byte_reader& in, const traits& t, std::size_t depth,
                                            amf::object& obj) {
  const auto* ext = amf::detail::find_externalizable(t.class_name);
  if (ext == nullptr) return error::amf_unsupported_type;
  if (auto ec = budget_.charge(amf::detail::k_member_cost + ext->member.size())) return ec;
  amf::value inner;
  if (auto ec = read(in, depth, inner)) return ec;
  obj.properties.push_back({std::string(ext->member), std::move(inner)});
  obj.sealed_count = 1;
  obj.dynamic = false;
  return {};
}

// Vector.<Object>: U29V-value, fixed flag, element type name, items (AMF3 spec 3.15).
std::error_code reader::read_vector_object(byte_reader& in, std::uint32_t count, std::size_t depth,
                                           amf::value& out) {
  std::uint8_t fixed = 0;
  if (!in.u8(fixed)) return error::truncated;
  if (count > lim_.max_elements) return error::amf_too_many_elements;
  amf::vector_object v;
  v.fixed = fixed != 0;
  if (auto ec = read_string(in, v.type_name)) return ec;
  if (auto ec = read_items(in, count, depth, v.items)) return ec;
  out = std::move(v);
  return {};
}

// Dictionary: U29Dict-value, weak-keys flag, key/value pairs of any type (AMF3 spec 3.16).
std::error_code reader::read_dictionary(byte_reader& in, std::uint32_t count, std::size_t depth,
                                        amf::value& out) {
  std::uint8_t weak = 0;
  if (!in.u8(weak)) return error::truncated;
  if (count > lim_.max_elements) return error::amf_too_many_elements;
  amf::dictionary d;
  d.weak_keys = weak != 0;
  d.entries.reserve(budget_.affordable(std::min<std::size_t>(count, in.remaining() / 2),
                                       2 * amf::detail::k_value_cost));
  for (std::uint32_t i = 0; i < count; ++i) {
    std::pair<amf::value, amf::value> entry;
    if (auto ec = read(in, depth, entry.first)) return ec;
    if (auto ec = read(in, depth, entry.second)) return ec;
    d.entries.push_back(std::move(entry));
  }
  out = std::move(d);
  return {};
}

}  // namespace detail

struct decoder::state {
  state(byte_view data, const amf::limits& lim, amf::decode_budget* shared)
      : r(data, lim, shared), in(data) {}
  detail::reader r;
  byte_reader in;
};

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
  return state_->r.read(state_->in, 0, out);
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

}  // namespace lectern::shared::amf3
