#include "sigil/http/client.hpp"

#include <exception>
#include <optional>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace sigil::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using Token = net::as_tuple_t<net::use_awaitable_t<>>;
using Executor = Token::executor_with_default<net::any_io_executor>;
using Stream = beast::tcp_stream::rebind_executor<Executor>::other;
using Resolver = net::ip::tcp::resolver::rebind_executor<Executor>::other;

Error unavailable(const Url& url, std::string_view what, const boost::system::error_code& ec) {
  std::string where = url.host_port.host + ":" + std::to_string(url.host_port.port);
  return make_error(Errc::kUnavailable, std::string(what) + " " + where + ": " + ec.message());
}

net::awaitable<Result<ClientResponse>> exchange(const ClientRequest& in, const Url& url) {
  auto deadline = std::chrono::steady_clock::now() + in.timeout;
  Resolver resolver(co_await net::this_coro::executor);
  Stream stream(co_await net::this_coro::executor);
  stream.expires_at(deadline);
  auto [rec, results] =
      co_await resolver.async_resolve(url.host_port.host, std::to_string(url.host_port.port));
  if (rec) co_return unexpected(unavailable(url, "cannot resolve", rec));
  auto [cec, ep] = co_await stream.async_connect(results);
  if (cec) co_return unexpected(unavailable(url, "cannot connect to", cec));
  bhttp::request<bhttp::string_body> req{in.method, url.target, 11};
  req.set(bhttp::field::host, url.host_port.host);
  req.set(bhttp::field::user_agent, "sigil");
  if (!in.content_type.empty()) req.set(bhttp::field::content_type, in.content_type);
  req.body() = in.body;
  req.prepare_payload();
  stream.expires_at(deadline);
  auto [wec, wn] = co_await bhttp::async_write(stream, req);
  if (wec) co_return unexpected(unavailable(url, "cannot send to", wec));
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(in.body_limit);
  stream.expires_at(deadline);
  auto [rdec, rn] = co_await bhttp::async_read(stream, buffer, parser);
  if (rdec) co_return unexpected(unavailable(url, "no answer from", rdec));
  auto& res = parser.get();
  co_return ClientResponse{res.result_int(), std::string(res[bhttp::field::content_type]),
                           std::move(res.body())};
}

}  // namespace

Result<ClientResponse> send(const ClientRequest& request) {
  SIGIL_TRY(Url url, parse_url(request.url));
  if (url.scheme != "http") {
    return fail(Errc::kUnsupported, "https is not supported by this client yet: " + request.url);
  }
  net::io_context io;
  std::optional<Result<ClientResponse>> out;
  // co_spawn needs a default-constructible result type; Result<T> is not.
  auto task = [&]() -> net::awaitable<std::optional<Result<ClientResponse>>> {
    co_return co_await exchange(request, url);
  };
  net::co_spawn(io, task,
                [&out](const std::exception_ptr& e, std::optional<Result<ClientResponse>> r) {
                  if (e) {
                    out = fail(Errc::kInternal, "HTTP client failed");
                    return;
                  }
                  out = std::move(r);
                });
  io.run();
  if (!out) return fail(Errc::kInternal, "HTTP client did not finish");
  return std::move(*out);
}

Result<ClientResponse> get(std::string_view url, std::chrono::milliseconds timeout) {
  ClientRequest r;
  r.url = std::string(url);
  r.timeout = timeout;
  return send(r);
}

}  // namespace sigil::http
