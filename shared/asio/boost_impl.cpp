// The one translation unit that compiles Boost.Asio's and Boost.Beast's non-template code.
//
// Everything that uses Asio or Beast links lectern_asio, whose public compile definitions
// (BOOST_ASIO_SEPARATE_COMPILATION, BOOST_BEAST_SEPARATE_COMPILATION) stop every other file
// from compiling those functions again as inline code. Measured on control_session.cpp
// (release, -O3): 33 s → 25 s of CPU; every Asio/Beast file gains alike.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
