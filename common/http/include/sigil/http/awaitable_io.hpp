#pragma once
// The I/O object types of Sigil's coroutines, after Beast 1.81's awaitable examples:
// `as_tuple(use_awaitable)` is their default completion token, so every
// `auto [ec, n] = co_await stream.async_read(...)` returns the error_code as a value instead of
// throwing. The server, the client and bench/'s load generator all use these.
//
// Thread-safety: type aliases only.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

namespace sigil::http {

using AwaitableToken = boost::asio::as_tuple_t<boost::asio::use_awaitable_t<>>;
using Executor = AwaitableToken::executor_with_default<boost::asio::any_io_executor>;
using TcpStream = boost::beast::tcp_stream::rebind_executor<Executor>::other;
using TlsStream = boost::beast::ssl_stream<TcpStream>;
using Acceptor = boost::asio::ip::tcp::acceptor::rebind_executor<Executor>::other;
using Resolver = boost::asio::ip::tcp::resolver::rebind_executor<Executor>::other;
using Timer = boost::asio::steady_timer::rebind_executor<Executor>::other;

}  // namespace sigil::http
