// The one translation unit that compiles Beast and Asio (BOOST_BEAST_SEPARATE_COMPILATION and
// BOOST_ASIO_SEPARATE_COMPILATION are defined for the whole build in cmake/SigilTargets.cmake).
// Third-party code: compiled without -Werror (see CMakeLists.txt).
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
