// libFuzzer target: the HTTP/1.1 request parser exactly as the server sets it up
// (common/http/connection.hpp, serve_one): Beast's request_parser<string_body> with the default
// ServerLimits header and body limits, fed the bytes a client sent on one connection, request
// after request (keep-alive and pipelining) until an error, `Connection: close` or the end of
// the input; a read error is mapped to its answer by status_for_read_error, and each accepted
// request is split into path and query the way the server does.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "fuzz_support.hpp"
#include "server_state.hpp"

namespace {

namespace net = boost::asio;
namespace bhttp = boost::beast::http;
using Parser = bhttp::request_parser<bhttp::string_body>;

// Feeds `in` to `parser` the way async_read_header then async_read do, consuming what it used.
// The end of `in` is the end of the stream.
boost::system::error_code read_one(Parser& parser, std::string_view& in) {
  boost::system::error_code ec;
  while (!parser.is_done()) {
    std::size_t used = in.empty() ? 0 : parser.put(net::buffer(in.data(), in.size()), ec);
    in.remove_prefix(used);
    if (ec && ec != bhttp::error::need_more) return ec;
    ec = {};
    if (used > 0) continue;
    // Nothing more was consumed: the stream ends here, as when the client closes.
    parser.put_eof(ec);
    if (ec) return ec;
    if (!parser.is_done()) return bhttp::error::partial_message;
  }
  return ec;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using sigil::http::ServerLimits;
  std::string_view in = sigil::fuzz::as_text(data, size);
  const ServerLimits limits;
  for (int i = 0; i < 16 && !in.empty(); ++i) {
    Parser parser;
    parser.header_limit(limits.header_limit);
    parser.body_limit(limits.body_limit);
    boost::system::error_code ec = read_one(parser, in);
    if (ec) {
      unsigned status = sigil::http::detail::status_for_read_error(ec);
      if (status != 0 && status != 400 && status != 413 && status != 431) __builtin_trap();
      return 0;
    }
    (void)boost::beast::iequals(parser.get()[bhttp::field::expect], "100-continue");
    auto message = parser.release();
    std::string_view target = message.target();
    std::string path(target.substr(0, target.find('?')));
    std::string query;
    if (path.size() < target.size()) query = std::string(target.substr(path.size() + 1));
    (void)message[bhttp::field::content_type];
    if (!message.keep_alive()) return 0;
  }
  return 0;
}
