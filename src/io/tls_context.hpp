// A client TLS context built from `tls_settings`.
#ifndef MESOS_HTTP_IO_TLS_CONTEXT_HPP
#define MESOS_HTTP_IO_TLS_CONTEXT_HPP

#include <mesos_http/diagnostics.hpp>
#include <mesos_http/scheduler_config.hpp>

#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>

#include <optional>

namespace mesos_http::io {

/// Fills `out` with a TLS client context trusting `settings`' CA file or
/// directory (the system's default paths when neither is set) and
/// presenting its client certificate, if any. On failure returns the error
/// and says which step failed in `diag`; `out` is then unusable.
boost::system::error_code make_tls_context(const tls_settings& settings,
                                           std::optional<boost::asio::ssl::context>& out,
                                           diagnostics& diag);

}  // namespace mesos_http::io

#endif  // MESOS_HTTP_IO_TLS_CONTEXT_HPP
