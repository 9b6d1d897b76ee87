# Precompiled headers for the third-party headers that most files include and that cost
# seconds of CPU to parse each time: Boost.Asio/Beast with nlohmann/json (about 5 s per
# file, -O3) and GoogleTest (about 1.5 s). Each set is compiled once per build directory, by
# a small object library of its own, and every target that includes it reuses that (CMake's
# REUSE_FROM): a precompiled header is only valid with the same compiler flags and the same
# definitions of the macros it reads, which is why the Asio set sits behind lectern_asio's
# definitions and is used only by targets that link lectern_asio.
#
# LECTERN_PCH=OFF builds without them (e.g. to check that every file includes what it uses:
# a precompiled header makes its headers visible to files that forgot an #include).

option(LECTERN_PCH "Precompile the Asio/Beast, nlohmann/json and GoogleTest headers" ON)

# The standard headers most files include; in every set.
set(lectern_pch_std_headers
    <algorithm> <array> <atomic> <chrono> <cstddef> <cstdint> <cstdio> <deque> <filesystem>
    <functional> <map> <memory> <mutex> <optional> <span> <string> <string_view>
    <system_error> <thread> <utility> <vector>)

# What the networking code includes (Asio with coroutines, Beast HTTP and WebSocket).
set(lectern_pch_net_headers
    <boost/asio/any_io_executor.hpp> <boost/asio/as_tuple.hpp> <boost/asio/awaitable.hpp>
    <boost/asio/co_spawn.hpp> <boost/asio/detached.hpp>
    <boost/asio/executor_work_guard.hpp> <boost/asio/io_context.hpp>
    <boost/asio/ip/tcp.hpp> <boost/asio/post.hpp> <boost/asio/steady_timer.hpp>
    <boost/asio/use_awaitable.hpp> <boost/asio/write.hpp> <boost/beast/core.hpp>
    <boost/beast/http.hpp> <boost/beast/websocket.hpp> <nlohmann/json.hpp>)

# lectern_pch_owner(NAME HEADERS... LIBS ...): the object library NAME that compiles the
# precompiled header of HEADERS with the usage requirements of LIBS.
function(lectern_pch_owner name)
  cmake_parse_arguments(arg "" "" "HEADERS;LIBS" ${ARGN})
  set(source ${CMAKE_CURRENT_BINARY_DIR}/${name}.cpp)
  if(NOT EXISTS ${source})
    file(WRITE ${source} "// Compiles the precompiled header of ${name} (cmake/precompiled_headers.cmake).\n")
  endif()
  add_library(${name} OBJECT ${source})
  target_link_libraries(${name} PRIVATE ${arg_LIBS})
  target_compile_features(${name} PRIVATE cxx_std_20)
  target_precompile_headers(${name} PRIVATE ${arg_HEADERS})
endfunction()

# lectern_use_pch(TARGET SET): TARGET includes the precompiled header set SET: net (Asio,
# Beast, json), net_test (net and GoogleTest) or test (GoogleTest, no Boost).
function(lectern_use_pch target set)
  if(LECTERN_PCH AND TARGET lectern_pch_${set})
    target_precompile_headers(${target} REUSE_FROM lectern_pch_${set})
    # A header built with other macros is skipped with a mere warning, and its text parsed
    # instead (slower than none): make that an error, so it is fixed rather than paid for.
    target_compile_options(${target} PRIVATE -Werror=invalid-pch)
  endif()
endfunction()

# Called once the libraries the sets need exist (after shared/).
function(lectern_define_pch_sets)
  if(NOT LECTERN_PCH)
    return()
  endif()
  find_package(nlohmann_json 3.11 REQUIRED)
  lectern_pch_owner(lectern_pch_net
                    HEADERS ${lectern_pch_std_headers} ${lectern_pch_net_headers}
                    LIBS lectern_asio nlohmann_json::nlohmann_json)
  if(LECTERN_BUILD_TESTS)
    find_package(GTest REQUIRED)
    lectern_pch_owner(lectern_pch_net_test
                      HEADERS ${lectern_pch_std_headers} ${lectern_pch_net_headers}
                              <gtest/gtest.h>
                      LIBS lectern_asio nlohmann_json::nlohmann_json GTest::gtest)
    lectern_pch_owner(lectern_pch_test HEADERS ${lectern_pch_std_headers} <gtest/gtest.h>
                      LIBS GTest::gtest)
  endif()
endfunction()
