#pragma once
// The completion token of Lectern's coroutines, in one place: every file that co_awaits Asio
// used to define its own copy in an anonymous namespace, and two copies cannot share the
// translation unit of a unity build (the release and asan presets).
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

// lectern::net, not lectern::asio: most files alias `namespace asio = boost::asio`.
namespace lectern::net {

/// `co_await op(..., k_use)` yields a tuple (error_code, results...) instead of throwing:
/// errors stay values on the data path.
inline constexpr auto k_use = boost::asio::as_tuple(boost::asio::use_awaitable);

}  // namespace lectern::net
