// AMF3 encoding (AMF3 spec, Adobe 2013). Strings and traits are sent by reference when they
// repeat, as Flash Player does. Objects never are: amf::value has value semantics, so two
// equal subtrees are two objects, and one reference would alias them on the receiver.
#include <algorithm>
#include <limits>
#include <map>
#include <string>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <variant>

#include "amf_detail.hpp"
#include "lectern/shared/amf3.hpp"

namespace lectern::shared::amf3 {
namespace {

// Largest U29 payload once the low flag bit is taken: lengths, counts and table indexes.
constexpr std::uint32_t k_max_u28 = (1u << 28) - 1;
// Sealed member count of inline traits: U29 minus four flag bits (AMF3 spec 3.12).
constexpr std::uint32_t k_max_sealed = (1u << 25) - 1;
// Traits references keep two flag bits.
constexpr std::uint32_t k_max_traits_index = (1u << 27) - 1;

// A length the format cannot carry is a caller bug; clamping keeps the stream parseable.
std::uint32_t clamp_u28(std::size_t n) {
  return static_cast<std::uint32_t>(std::min<std::size_t>(n, k_max_u28));
}

// Traits are equal, and so sent by reference, when all of these are (AMF3 spec 3.12).
struct traits_key {
  bool externalizable = false;
  bool dynamic = false;
  std::string class_name;
  std::vector<std::string> members;
  friend bool operator<(const traits_key& a, const traits_key& b) {
    return std::tie(a.externalizable, a.dynamic, a.class_name, a.members) <
           std::tie(b.externalizable, b.dynamic, b.class_name, b.members);
  }
};

// The shape read_externalizable() decodes a Flex wrapper into; any other object with such a
// class name went over the wire as a plain object and is sent back the same way.
const amf::detail::externalizable_class* as_externalizable(const amf::object& o) {
  const auto* ext = amf::detail::find_externalizable(o.class_name);
  if (ext == nullptr || o.dynamic || o.sealed_count != 1 || o.properties.size() != 1 ||
      o.properties[0].name != ext->member)
    return nullptr;
  return ext;
}

}  // namespace

struct encoder::impl {
  void write(const amf::value& v);
  void write_u29(std::uint32_t u);
  void write_vr(std::string_view s);
  void write_int(std::int32_t i);
  void write_object(const amf::object& o);
  void write_traits(traits_key key);
  void write_array(const amf::strict_array& a);
  void write_ecma(const amf::ecma_array& a);
  void write_text(std::uint8_t marker, std::string_view text);
  template <typename T>
  void write_numbers(std::uint8_t marker, const amf::vector_of<T>& v);
  void write_vector_object(const amf::vector_object& v);
  void write_dictionary(const amf::dictionary& d);

  bytes* out = nullptr;
  std::unordered_map<std::string, std::uint32_t> strings;
  std::map<traits_key, std::uint32_t> traits;
  std::uint32_t traits_count = 0;
};

// U29, AMF3 spec 1.3.1; `u` is below 2^29.
void encoder::impl::write_u29(std::uint32_t u) {
  byte_writer w(*out);
  if (u < 0x80) {
    w.u8(static_cast<std::uint8_t>(u));
  } else if (u < 0x4000) {
    w.u8(static_cast<std::uint8_t>((u >> 7) | 0x80));
    w.u8(static_cast<std::uint8_t>(u & 0x7F));
  } else if (u < 0x200000) {
    w.u8(static_cast<std::uint8_t>((u >> 14) | 0x80));
    w.u8(static_cast<std::uint8_t>(((u >> 7) & 0x7F) | 0x80));
    w.u8(static_cast<std::uint8_t>(u & 0x7F));
  } else {
    w.u8(static_cast<std::uint8_t>(((u >> 22) & 0x7F) | 0x80));
    w.u8(static_cast<std::uint8_t>(((u >> 15) & 0x7F) | 0x80));
    w.u8(static_cast<std::uint8_t>(((u >> 8) & 0x7F) | 0x80));
    w.u8(static_cast<std::uint8_t>(u & 0xFF));
  }
}

// UTF-8-vr, AMF3 spec 1.3.2: the empty string is always inline and never enters the table.
void encoder::impl::write_vr(std::string_view s) {
  s = s.substr(0, k_max_u28);
  if (s.empty()) return write_u29(1);
  std::string key(s);
  if (auto it = strings.find(key); it != strings.end()) return write_u29(it->second << 1);
  write_u29((static_cast<std::uint32_t>(s.size()) << 1) | 1);
  byte_writer(*out).append(s);
  if (strings.size() <= k_max_u28) {
    const auto index = static_cast<std::uint32_t>(strings.size());
    strings.emplace(std::move(key), index);
  }
}

// Integers outside the 29-bit range are sent as doubles, as Flash Player does (spec 3.6).
void encoder::impl::write_int(std::int32_t i) {
  if (i < k_int_min || i > k_int_max) {
    out->push_back(0x05);
    byte_writer(*out).f64(static_cast<double>(i));
    return;
  }
  out->push_back(0x04);
  write_u29(static_cast<std::uint32_t>(i) & 0x1FFFFFFFu);
}

void encoder::impl::write_traits(traits_key key) {
  if (auto it = traits.find(key); it != traits.end()) return write_u29((it->second << 2) | 1);
  if (key.externalizable) {
    write_u29(0x07);  // U29O-traits-ext
  } else {
    const auto sealed = static_cast<std::uint32_t>(key.members.size());
    write_u29((sealed << 4) | (key.dynamic ? 0x08u : 0u) | 0x03u);
  }
  write_vr(key.class_name);
  for (const auto& m : key.members) write_vr(m);
  if (traits_count <= k_max_traits_index) traits.emplace(std::move(key), traits_count);
  ++traits_count;
}

void encoder::impl::write_object(const amf::object& o) {
  out->push_back(0x0A);
  if (as_externalizable(o) != nullptr) {
    write_traits({true, false, o.class_name, {}});
    return write(o.properties[0].val);
  }
  // A non-dynamic object has nowhere to put members past the sealed ones: send them all as
  // sealed members rather than drop them.
  std::size_t sealed =
      o.dynamic ? std::min(o.sealed_count, o.properties.size()) : o.properties.size();
  sealed = std::min<std::size_t>(sealed, k_max_sealed);
  traits_key key{false, o.dynamic, o.class_name, {}};
  key.members.reserve(sealed);
  for (std::size_t i = 0; i < sealed; ++i) key.members.push_back(o.properties[i].name);
  write_traits(std::move(key));
  for (std::size_t i = 0; i < sealed; ++i) write(o.properties[i].val);
  if (!o.dynamic) return;
  for (std::size_t i = sealed; i < o.properties.size(); ++i) {
    // An empty name would end the dynamic members early; it cannot be sent.
    if (o.properties[i].name.empty()) continue;
    write_vr(o.properties[i].name);
    write(o.properties[i].val);
  }
  write_u29(1);
}

void encoder::impl::write_array(const amf::strict_array& a) {
  out->push_back(0x09);
  const std::uint32_t n = clamp_u28(a.items.size());
  write_u29((n << 1) | 1);
  write_u29(1);  // no associative part
  for (std::uint32_t i = 0; i < n; ++i) write(a.items[i]);
}

// Associative only: the keys of an ecma_array are not known to be dense indexes.
void encoder::impl::write_ecma(const amf::ecma_array& a) {
  out->push_back(0x09);
  write_u29(1);  // no dense part
  for (const auto& p : a.properties) {
    if (p.name.empty()) continue;  // would end the associative part
    write_vr(p.name);
    write(p.val);
  }
  write_u29(1);
}

void encoder::impl::write_text(std::uint8_t marker, std::string_view text) {
  out->push_back(marker);
  text = text.substr(0, k_max_u28);
  write_u29((static_cast<std::uint32_t>(text.size()) << 1) | 1);
  byte_writer(*out).append(text);
}

template <typename T>
void encoder::impl::write_numbers(std::uint8_t marker, const amf::vector_of<T>& v) {
  out->push_back(marker);
  const std::uint32_t n = clamp_u28(v.items.size());
  write_u29((n << 1) | 1);
  byte_writer w(*out);
  w.u8(v.fixed ? 1 : 0);
  for (std::uint32_t i = 0; i < n; ++i) {
    if constexpr (std::is_same_v<T, double>) {
      w.f64(v.items[i]);
    } else {
      w.u32(static_cast<std::uint32_t>(v.items[i]));
    }
  }
}

void encoder::impl::write_vector_object(const amf::vector_object& v) {
  out->push_back(0x10);
  const std::uint32_t n = clamp_u28(v.items.size());
  write_u29((n << 1) | 1);
  out->push_back(v.fixed ? 1 : 0);
  write_vr(v.type_name);
  for (std::uint32_t i = 0; i < n; ++i) write(v.items[i]);
}

void encoder::impl::write_dictionary(const amf::dictionary& d) {
  out->push_back(0x11);
  const std::uint32_t n = clamp_u28(d.entries.size());
  write_u29((n << 1) | 1);
  out->push_back(d.weak_keys ? 1 : 0);
  for (std::uint32_t i = 0; i < n; ++i) {
    write(d.entries[i].first);
    write(d.entries[i].second);
  }
}

void encoder::impl::write(const amf::value& v) {
  struct visitor {
    impl& e;
    void operator()(const amf::undefined_t&) { e.out->push_back(0x00); }
    void operator()(const amf::null_t&) { e.out->push_back(0x01); }
    void operator()(bool b) { e.out->push_back(b ? 0x03 : 0x02); }
    void operator()(double d) {
      e.out->push_back(0x05);
      byte_writer(*e.out).f64(d);
    }
    void operator()(std::int32_t i) { e.write_int(i); }
    void operator()(const std::string& s) {
      e.out->push_back(0x06);
      e.write_vr(s);
    }
    void operator()(const amf::object& o) { e.write_object(o); }
    void operator()(const amf::ecma_array& a) { e.write_ecma(a); }
    void operator()(const amf::strict_array& a) { e.write_array(a); }
    void operator()(const amf::date& d) {
      e.out->push_back(0x08);
      e.write_u29(1);
      byte_writer(*e.out).f64(d.millis);  // AMF3 has no time zone (spec 3.10)
    }
    void operator()(const amf::xml_document& x) { e.write_text(x.e4x ? 0x0B : 0x07, x.text); }
    void operator()(const amf::byte_array& b) { e.write_text(0x0C, as_string(b.data)); }
    void operator()(const amf::vector_int& x) { e.write_numbers(0x0D, x); }
    void operator()(const amf::vector_uint& x) { e.write_numbers(0x0E, x); }
    void operator()(const amf::vector_double& x) { e.write_numbers(0x0F, x); }
    void operator()(const amf::vector_object& x) { e.write_vector_object(x); }
    void operator()(const amf::dictionary& d) { e.write_dictionary(d); }
  };
  std::visit(visitor{*this}, v.v);
}

encoder::encoder() : impl_(std::make_unique<impl>()) {}
encoder::~encoder() = default;

void encoder::encode(const amf::value& v, bytes& out) {
  impl_->out = &out;
  impl_->write(v);
  impl_->out = nullptr;
}

void encode(const amf::value& v, bytes& out) {
  encoder e;
  e.encode(v, out);
}

}  // namespace lectern::shared::amf3
