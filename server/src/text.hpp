#pragma once
// Numbers as a person reads them, for logs and stats.

#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <string>

namespace lectern::server {

/// "1.2 s", "350 ms", "4 min 10 s", "2 h 05 min".
std::string duration_text(std::chrono::milliseconds d);
/// "512 B", "1.5 KiB", "12.3 MiB", "1.02 GiB".
std::string size_text(std::uint64_t bytes);
/// "127.0.0.1:1935", "[::1]:1935".
std::string endpoint_text(const boost::asio::ip::tcp::endpoint& ep);

}  // namespace lectern::server
