#include "io/tls_context.hpp"

namespace mesos_http::io {

namespace ssl = boost::asio::ssl;

boost::system::error_code make_tls_context(const tls_settings& settings,
                                           std::optional<ssl::context>& out, diagnostics& diag) {
  boost::system::error_code ec;
  out.emplace(ssl::context::tls_client);
  if (!settings.ca_file.empty()) out->load_verify_file(settings.ca_file, ec);
  if (!ec && !settings.ca_dir.empty()) out->add_verify_path(settings.ca_dir, ec);
  if (!ec && settings.ca_file.empty() && settings.ca_dir.empty()) {
    out->set_default_verify_paths(ec);
  }
  if (!ec && !settings.certificate_file.empty()) {
    out->use_certificate_chain_file(settings.certificate_file, ec);
    if (!ec) out->use_private_key_file(settings.private_key_file, ssl::context::pem, ec);
  }
  if (ec) diag.set_message("TLS setup: " + ec.message());
  return ec;
}

}  // namespace mesos_http::io
