// The value tree decoded from and encoded to AMF0 and AMF3 (one type for both encodings).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "lectern/shared/bytes.hpp"

namespace lectern::shared::amf {

struct value;
struct property;

struct null_t {
  bool operator==(const null_t&) const = default;
};
struct undefined_t {
  bool operator==(const undefined_t&) const = default;
};

/// An anonymous object (class_name empty) or a typed object (AMF0 0x10, AMF3 traits with a
/// class name). For AMF3 the first `sealed_count` properties are the sealed trait members
/// and `dynamic` says whether the rest are dynamic members.
struct object {
  std::string class_name;
  std::vector<property> properties;
  std::size_t sealed_count = 0;
  bool dynamic = true;

  const value* find(std::string_view name) const noexcept;
  value* find(std::string_view name) noexcept;
  object& set(std::string name, value v);
};

/// AMF0 ECMA array (associative) and the associative part of an AMF3 array.
struct ecma_array {
  std::vector<property> properties;

  const value* find(std::string_view name) const noexcept;
};

/// AMF0 strict array and an AMF3 array with only a dense part.
struct strict_array {
  std::vector<value> items;
};

/// Milliseconds since the Unix epoch; AMF0 also carries a (reserved, usually 0) time zone.
struct date {
  double millis = 0;
  std::int16_t timezone = 0;
  bool operator==(const date&) const = default;
};

/// AMF0 XML document (0x0F) and AMF3 XMLDocument (0x07) or E4X XML (0x0B, e4x = true).
struct xml_document {
  std::string text;
  bool e4x = false;
  bool operator==(const xml_document&) const = default;
};

/// AMF3 ByteArray.
struct byte_array {
  bytes data;
  bool operator==(const byte_array&) const = default;
};

/// AMF3 Vector.<int>, Vector.<uint>, Vector.<Number>.
template <typename T>
struct vector_of {
  std::vector<T> items;
  bool fixed = false;
  bool operator==(const vector_of&) const = default;
};
using vector_int = vector_of<std::int32_t>;
using vector_uint = vector_of<std::uint32_t>;
using vector_double = vector_of<double>;

/// AMF3 Vector.<Object> (type_name is the element class, "" or "*" for any).
struct vector_object {
  std::string type_name;
  std::vector<value> items;
  bool fixed = false;
};

/// AMF3 Dictionary: keys may be any value.
struct dictionary {
  std::vector<std::pair<value, value>> entries;
  bool weak_keys = false;
};

/// One AMF value. AMF3 integers (29-bit) stay integers so that re-encoding is exact; AMF0
/// has no integer type and encodes them as numbers.
struct value {
  using variant_type =
      std::variant<undefined_t, null_t, bool, double, std::int32_t, std::string, object, ecma_array,
                   strict_array, date, xml_document, byte_array, vector_int, vector_uint,
                   vector_double, vector_object, dictionary>;
  variant_type v;

  value() = default;
  value(null_t x);
  value(undefined_t x);
  value(bool b);
  value(double d);
  value(int i);                           // a literal 3 is an AMF number, as in ActionScript
  value(std::int32_t i, std::nullptr_t);  // explicit AMF3 integer
  value(const char* s);
  value(std::string s);
  value(std::string_view s);
  value(object o);
  value(ecma_array a);
  value(strict_array a);
  value(date d);
  value(xml_document x);
  value(byte_array b);
  value(vector_int x);
  value(vector_uint x);
  value(vector_double x);
  value(vector_object x);
  value(dictionary x);

  template <typename T>
  bool is() const noexcept {
    return std::holds_alternative<T>(v);
  }
  template <typename T>
  const T* get_if() const noexcept {
    return std::get_if<T>(&v);
  }
  template <typename T>
  T* get_if() noexcept {
    return std::get_if<T>(&v);
  }

  bool is_null_or_undefined() const noexcept { return is<null_t>() || is<undefined_t>(); }
  /// The number (AMF number or AMF3 integer), if this is one.
  std::optional<double> as_number() const noexcept;
  /// The string, if this is one.
  std::optional<std::string_view> as_string() const noexcept;
  /// The object or ECMA array member `name`, if this is an object/ECMA array that has it.
  const value* member(std::string_view name) const noexcept;
  /// The members of an object or ECMA array (the two carry named properties), else nullptr.
  const std::vector<property>* properties() const noexcept;
};

struct property {
  std::string name;
  value val;
};

// Defined here, where property is complete: constructing the variant needs the destructor
// of std::vector<property>, which clang instantiates at once.
inline value::value(null_t x) : v(x) {}
inline value::value(undefined_t x) : v(x) {}
inline value::value(bool b) : v(b) {}
inline value::value(double d) : v(d) {}
inline value::value(int i) : v(static_cast<double>(i)) {}
inline value::value(std::int32_t i, std::nullptr_t) : v(i) {}
inline value::value(const char* s) : v(std::string(s)) {}
inline value::value(std::string s) : v(std::move(s)) {}
inline value::value(std::string_view s) : v(std::string(s)) {}
inline value::value(object o) : v(std::move(o)) {}
inline value::value(ecma_array a) : v(std::move(a)) {}
inline value::value(strict_array a) : v(std::move(a)) {}
inline value::value(date d) : v(d) {}
inline value::value(xml_document x) : v(std::move(x)) {}
inline value::value(byte_array b) : v(std::move(b)) {}
inline value::value(vector_int x) : v(std::move(x)) {}
inline value::value(vector_uint x) : v(std::move(x)) {}
inline value::value(vector_double x) : v(std::move(x)) {}
inline value::value(vector_object x) : v(std::move(x)) {}
inline value::value(dictionary x) : v(std::move(x)) {}

bool operator==(const value& a, const value& b);
bool operator==(const property& a, const property& b);
bool operator==(const object& a, const object& b);
bool operator==(const ecma_array& a, const ecma_array& b);
bool operator==(const strict_array& a, const strict_array& b);
bool operator==(const vector_object& a, const vector_object& b);
bool operator==(const dictionary& a, const dictionary& b);

/// Hard limits applied while decoding untrusted AMF (style rule 4). Defaults suit RTMP
/// command, data and shared object messages; every decoder takes its own copy. Lengths and
/// counts are checked as read from the wire, before anything is allocated for them.
struct limits {
  /// Containers (object, ECMA or strict array, AMF3 array, Vector.<Object>, Dictionary)
  /// nested in one value; a reference's copy counts at the depth where it lands.
  std::size_t max_depth = 32;
  /// Bytes in one string, member name, class name, XML document or ByteArray.
  std::size_t max_string = 1 << 20;
  /// Members, items or entries in one container (an AMF3 array's two parts together).
  std::size_t max_elements = 1 << 16;
  /// Memory of the values decoded from one message, as decoded_size() counts it, with every
  /// reference copy in full; each part is charged before it is allocated. Decoders sharing a
  /// decode_budget share this bound. 8 MiB holds a full container of max_elements values
  /// (5 MiB) or a max_string string, and thousands of times the connect commands and
  /// onMetaData of real encoders; without it a 16 MiB message of 1-byte nulls would decode
  /// to 1.3 GB and a few hundred bytes of references to gigabytes.
  std::size_t max_decoded_bytes = 8 << 20;
};

/// Decoded bytes charged against limits::max_decoded_bytes. A decoder has its own unless it
/// is given one: decoders that read parts of one message share one, so that the limit bounds
/// the whole message (the events of a shared object message, RTMP spec 7.1.3).
struct decode_budget {
  std::size_t used = 0;
};

/// The memory limits::max_decoded_bytes counts for `v`: sizeof(value) for it and for each
/// value inside it; per object or ECMA array member, sizeof(property) - sizeof(value) (the
/// name's std::string) plus the name's length; the length of every string, class or type name,
/// XML document and ByteArray; sizeof(T) per item of a Vector.<int>, <uint> or <Number>. That is
/// the memory the tree holds without allocator overhead and spare vector capacity; a short
/// string stored inside its std::string is counted twice, which errs high.
std::size_t decoded_size(const value& v) noexcept;

/// A short readable rendering for logs and test failure messages ("{code: 'x', n: 1}").
std::string to_debug_string(const value& v);

}  // namespace lectern::shared::amf
