// Running type-erased completion handlers the way Asio expects: on their
// associated executor, never inside the initiating call.
#ifndef MESOS_HTTP_IO_COMPLETION_HPP
#define MESOS_HTTP_IO_COMPLETION_HPP

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

#include <utility>

namespace mesos_http::io {

/// Runs `handler(args...)` on its associated executor (`fallback` when it
/// has none); inline when that executor is running on this thread.
template <class Signature, class... Args>
void complete(boost::asio::any_completion_handler<Signature> handler,
              const boost::asio::any_io_executor& fallback, Args... args) {
  auto ex = boost::asio::get_associated_executor(handler, fallback);
  boost::asio::dispatch(ex, [h = std::move(handler), args...]() mutable { std::move(h)(args...); });
}

/// Like `complete`, but never before the caller has returned: for failures
/// found while initiating (a handler that retries would otherwise recurse).
template <class Signature, class... Args>
void complete_later(boost::asio::any_completion_handler<Signature> handler,
                    const boost::asio::any_io_executor& fallback, Args... args) {
  boost::asio::post(fallback, [h = std::move(handler), fallback, args...]() mutable {
    complete(std::move(h), fallback, args...);
  });
}

}  // namespace mesos_http::io

#endif  // MESOS_HTTP_IO_COMPLETION_HPP
