// AMF0 encoding (AMF0 spec, Adobe 2007). Values AMF0 cannot carry are written in AMF3 behind
// an AVM+ marker (AMF0 spec 3.1), through one AMF3 encoder per call so that, like the decoder,
// all the AVM+ values of one message share one set of AMF3 reference tables.
#include <algorithm>
#include <limits>
#include <memory>
#include <variant>

#include "lectern/shared/amf0.hpp"
#include "lectern/shared/amf3.hpp"

namespace lectern::shared::amf0 {
namespace {

constexpr std::size_t k_max_utf8 = 0xFFFF;  // UTF-8 with a U16 length, AMF0 spec 1.3

bool has_long_name(const std::vector<amf::property>& props) {
  return std::any_of(props.begin(), props.end(),
                     [](const amf::property& p) { return p.name.size() > k_max_utf8; });
}

// Objects carrying AMF3 trait information (sealed members, not dynamic) or names longer
// than a U16 length would lose part of themselves in AMF0.
bool object_needs_amf3(const amf::object& o) {
  return o.sealed_count > 0 || !o.dynamic || o.class_name.size() > k_max_utf8 ||
         has_long_name(o.properties);
}

std::uint32_t clamp_u32(std::size_t n) {
  return static_cast<std::uint32_t>(std::min<std::size_t>(n, 0xFFFFFFFFu));
}

class writer {
 public:
  explicit writer(bytes& out) noexcept : out_(out), w_(out) {}
  void write(const amf::value& v);

 private:
  void write_utf8(std::string_view s);
  void write_long_utf8(std::string_view s);
  void write_properties(const std::vector<amf::property>& props);
  void write_object(const amf::object& o);
  void write_strict_array(const amf::strict_array& a);
  void write_avmplus(const amf::value& v);
  struct visitor;

  bytes& out_;
  byte_writer w_;
  std::unique_ptr<amf3::encoder> amf3_;  // made on the first AVM+ value
};

void writer::write_utf8(std::string_view s) {
  s = s.substr(0, k_max_utf8);  // callers route longer names to AMF3
  w_.u16(static_cast<std::uint16_t>(s.size()));
  w_.append(s);
}

void writer::write_long_utf8(std::string_view s) {
  const std::uint32_t n = clamp_u32(s.size());
  w_.u32(n);
  w_.append(s.substr(0, n));
}

void writer::write_properties(const std::vector<amf::property>& props) {
  for (const auto& p : props) {
    write_utf8(p.name);
    write(p.val);
  }
  w_.u16(0);  // UTF-8-empty, object-end (AMF0 spec 2.5)
  w_.u8(0x09);
}

void writer::write_object(const amf::object& o) {
  if (o.class_name.empty()) {
    w_.u8(0x03);
  } else {
    w_.u8(0x10);  // typed object, AMF0 spec 2.18
    write_utf8(o.class_name);
  }
  write_properties(o.properties);
}

void writer::write_strict_array(const amf::strict_array& a) {
  w_.u8(0x0A);
  const std::uint32_t n = clamp_u32(a.items.size());
  w_.u32(n);
  for (std::uint32_t i = 0; i < n; ++i) write(a.items[i]);
}

void writer::write_avmplus(const amf::value& v) {
  if (!amf3_) amf3_ = std::make_unique<amf3::encoder>();
  w_.u8(0x11);
  amf3_->encode(v, out_);
}

struct writer::visitor {
  writer& w;
  const amf::value& whole;
  void operator()(const amf::undefined_t&) { w.w_.u8(0x06); }
  void operator()(const amf::null_t&) { w.w_.u8(0x05); }
  void operator()(bool b) {
    w.w_.u8(0x01);
    w.w_.u8(b ? 1 : 0);
  }
  void operator()(double d) {
    w.w_.u8(0x00);
    w.w_.f64(d);
  }
  void operator()(std::int32_t i) { (*this)(static_cast<double>(i)); }
  void operator()(const std::string& s) {
    if (s.size() <= k_max_utf8) {
      w.w_.u8(0x02);
      w.write_utf8(s);
    } else {
      w.w_.u8(0x0C);  // long string, AMF0 spec 2.14
      w.write_long_utf8(s);
    }
  }
  void operator()(const amf::object& o) {
    if (object_needs_amf3(o)) return w.write_avmplus(whole);
    w.write_object(o);
  }
  void operator()(const amf::ecma_array& a) {
    if (has_long_name(a.properties)) return w.write_avmplus(whole);
    w.w_.u8(0x08);
    w.w_.u32(clamp_u32(a.properties.size()));  // the true count, though readers ignore it
    w.write_properties(a.properties);
  }
  void operator()(const amf::strict_array& a) { w.write_strict_array(a); }
  void operator()(const amf::date& d) {
    w.w_.u8(0x0B);
    w.w_.f64(d.millis);
    w.w_.u16(static_cast<std::uint16_t>(d.timezone));
  }
  void operator()(const amf::xml_document& x) {
    if (x.e4x) return w.write_avmplus(whole);  // AMF0 has only XMLDocument
    w.w_.u8(0x0F);
    w.write_long_utf8(x.text);
  }
  // ByteArray, the vectors and Dictionary exist only in AMF3.
  template <typename T>
  void operator()(const T&) {
    w.write_avmplus(whole);
  }
};

void writer::write(const amf::value& v) {
  std::visit(visitor{*this, v}, v.v);
}

}  // namespace

void encode(const amf::value& v, bytes& out) {
  writer w(out);
  w.write(v);
}

void encode_all(std::span<const amf::value> values, bytes& out) {
  writer w(out);
  for (const auto& v : values) w.write(v);
}

}  // namespace lectern::shared::amf0
