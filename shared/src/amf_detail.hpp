// Internals shared by the AMF0 and AMF3 codecs (not installed): the decode budget, reference
// table entries, the Flex externalizable classes, and the AMF3 reader that the AMF0 decoder
// continues with behind an AVM+ switch (AMF0 spec 3.1).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string_view>
#include <system_error>
#include <vector>

#include "lectern/shared/amf_value.hpp"
#include "lectern/shared/bytes.hpp"
#include "lectern/shared/error.hpp"

namespace lectern::shared::amf::detail {

/// Payload bytes (strings, names, XML, ByteArray, vector items) that cost one budget unit on
/// top of the one unit per value. References copy subtrees and AMF3 string references copy
/// strings: charging bytes makes limits::max_nodes bound the memory of the decoded tree, so
/// that 3-byte references to a 1 MB string cannot ask for gigabytes.
inline constexpr std::size_t k_bytes_per_unit = 64;

/// The units one message's decode has used, checked against limits::max_nodes. Not copyable:
/// it may point at its own counter.
class budget {
 public:
  explicit budget(std::size_t max) noexcept : max_(max) {}
  budget(const budget&) = delete;
  budget& operator=(const budget&) = delete;

  std::size_t used() const noexcept { return *used_; }
  std::size_t* counter() noexcept { return used_; }
  void share(std::size_t* counter) noexcept { used_ = counter != nullptr ? counter : &own_; }

  bool can_afford(std::size_t units) const noexcept {
    return *used_ <= max_ && units <= max_ - *used_;
  }
  std::error_code charge(std::size_t units) noexcept {
    if (!can_afford(units)) return error::limit_exceeded;
    *used_ += units;
    return {};
  }
  std::error_code charge_bytes(std::size_t n) noexcept { return charge(n / k_bytes_per_unit); }

 private:
  std::size_t max_;
  std::size_t own_ = 0;
  std::size_t* used_ = &own_;
};

/// A complex value in a reference table. A reference is resolved by decoding the value again
/// from `offset` with the tables frozen, instead of keeping a copy of every complex value
/// (which costs memory proportional to nodes x depth).
struct ref_entry {
  std::size_t offset = 0;  ///< absolute offset of the value's marker in the decoder's input
  std::size_t units = 0;   ///< budget units its decode used; valid once complete
  bool complete = false;   ///< false while its members are decoded: a reference is a cycle
};

/// A Flex class that serializes itself (AMF3 spec 3.12, traits-ext) and that we can decode:
/// both write exactly one AMF3 value, kept as the object's single sealed member `member`
/// (the public property of the ActionScript class).
struct externalizable_class {
  std::string_view class_name;
  std::string_view member;
};
inline constexpr std::array<externalizable_class, 2> k_externalizable{{
    {"flex.messaging.io.ArrayCollection", "source"},
    {"flex.messaging.io.ObjectProxy", "object"},
}};

inline const externalizable_class* find_externalizable(std::string_view class_name) noexcept {
  for (const auto& c : k_externalizable)
    if (c.class_name == class_name) return &c;
  return nullptr;
}

}  // namespace lectern::shared::amf::detail

namespace lectern::shared::amf3::detail {

/// Decodes AMF3 values from one input with one set of reference tables. Cursors passed to
/// read() run over the same input, so positions are absolute offsets into it.
class reader {
 public:
  reader(byte_view data, const amf::limits& lim) noexcept;
  reader(const reader&) = delete;
  reader& operator=(const reader&) = delete;

  void share_node_count(std::size_t* nodes) noexcept { budget_.share(nodes); }
  std::size_t* node_count() noexcept { return budget_.counter(); }

  /// Decodes the value at `in`, which is enclosed by `depth` containers.
  std::error_code read(byte_reader& in, std::size_t depth, amf::value& out);

  /// Between these calls a referenced value is being decoded again to copy it: the tables
  /// already hold every entry it defines, so they must not grow (the AMF0 decoder calls these
  /// when it copies an AMF0 value that contains AVM+ values).
  void begin_replay() noexcept { ++replay_; }
  void end_replay() noexcept { --replay_; }

 private:
  struct traits {
    std::string_view class_name;
    std::vector<std::string_view> members;
    bool dynamic = false;
    bool externalizable = false;
  };

  std::error_code read_vr(byte_reader& in, std::string_view& s);
  std::error_code read_string(byte_reader& in, std::string& s);
  std::error_code read_complex(byte_reader& in, std::uint8_t marker, std::size_t offset,
                               std::size_t units, std::size_t depth, amf::value& out);
  std::error_code copy_object(std::uint32_t index, std::size_t depth, amf::value& out);
  std::error_code read_body(byte_reader& in, std::uint8_t marker, std::uint32_t u,
                            std::size_t depth, amf::value& out);
  std::error_code read_text(byte_reader& in, std::uint32_t len, bool e4x, amf::value& out);
  std::error_code read_byte_array(byte_reader& in, std::uint32_t len, amf::value& out);
  template <typename T>
  std::error_code read_numbers(byte_reader& in, std::uint32_t count, amf::value& out);
  std::error_code read_items(byte_reader& in, std::uint32_t count, std::size_t depth,
                             std::vector<amf::value>& items);
  std::error_code read_pairs(byte_reader& in, std::size_t reserved, std::size_t depth,
                             std::vector<amf::property>& props);
  std::error_code read_array(byte_reader& in, std::uint32_t dense, std::size_t depth,
                             amf::value& out);
  std::error_code read_object(byte_reader& in, std::uint32_t u, std::size_t depth, amf::value& out);
  std::error_code find_traits(byte_reader& in, std::uint32_t u, traits& local,
                              const traits*& found);
  std::error_code read_traits(byte_reader& in, std::uint32_t u, traits& t);
  std::error_code read_members(byte_reader& in, const traits& t, std::size_t depth,
                               amf::object& obj);
  std::error_code read_externalizable(byte_reader& in, const traits& t, std::size_t depth,
                                      amf::object& obj);
  std::error_code read_vector_object(byte_reader& in, std::uint32_t count, std::size_t depth,
                                     amf::value& out);
  std::error_code read_dictionary(byte_reader& in, std::uint32_t count, std::size_t depth,
                                  amf::value& out);

  byte_view data_;
  amf::limits lim_;
  amf::detail::budget budget_;
  std::vector<std::string_view> strings_;  // views into data_
  std::deque<traits> traits_;              // deque: references stay valid while it grows
  std::vector<amf::detail::ref_entry> objects_;
  std::size_t replay_ = 0;
};

}  // namespace lectern::shared::amf3::detail
