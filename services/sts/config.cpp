#include "config.hpp"

#include "sigil/http/address.hpp"
#include "sts/routing/edge.hpp"

namespace sigil::sts {

void bind_options(config::OptionSet& options, StsConfig* cfg) {
  service::bind_data_options(options, &cfg->data);
  service::bind_service_options(options, &cfg->service, "SIGIL_STS_");
  service::bind_log_options(options, &cfg->log);
  options.add_string({"tls.cert_file", "--tls-cert", "SIGIL_STS_TLS_CERT", "FILE",
                      "server certificate chain (PEM, leaf first); default HOME/tls/server.crt, "
                      "self-signed at first start"},
                     &cfg->tls.cert_file);
  options.add_string({"tls.key_file", "--tls-key", "SIGIL_STS_TLS_KEY", "FILE",
                      "server private key (PEM); default HOME/tls/server.key"},
                     &cfg->tls.key_file);
  options.add_string({"tls.hostname", "--hostname", "SIGIL_STS_HOSTNAME", "FQDN",
                      "this server's name: the self-signed certificate's and the token Issuer's"},
                     &cfg->tls.hostname);
  options.add_choice({"tls.client_cert", "--client-cert", "SIGIL_STS_CLIENT_CERT",
                      "none|optional|required",
                      "TLS client certificates (solution users may authenticate with one)"},
                     &cfg->tls.client_cert, {"none", "optional", "required"});
  options.add_string({"default_tenant", "--default-tenant", "SIGIL_STS_DEFAULT_TENANT", "NAME",
                      "tenant served at /sts/STSService (no tenant in the path)"},
                     &cfg->default_tenant);
  options.add_int({"keyset.poll_interval_ms", "--keyset-poll-interval-ms",
                   "SIGIL_STS_KEYSET_POLL_INTERVAL_MS", "MS",
                   "how often key set generations are polled, the fallback when the LISTEN "
                   "connection for key set changes is down"},
                  &cfg->keyset_poll_interval_ms, 100, 3'600'000);
  options.add_string({"edge.upstream_listen", "--upstream-listen", "SIGIL_STS_UPSTREAM_LISTEN",
                      "ADDR:PORT",
                      "plain-HTTP listener for a TLS-terminating reverse proxy; connections from "
                      "peers outside --trusted-proxies are closed at once (docs/edge.md)"},
                     &cfg->edge.upstream_listen);
  options.add_string({"edge.trusted_proxies", "--trusted-proxies", "SIGIL_STS_TRUSTED_PROXIES",
                      "CIDR[,CIDR...]",
                      "reverse proxies whose --client-cert-header is believed"},
                     &cfg->edge.trusted_proxies);
  options.add_string({"edge.client_cert_header", "--client-cert-header",
                      "SIGIL_STS_CLIENT_CERT_HEADER", "NAME",
                      "header in which a trusted proxy forwards the client certificate as "
                      "URL-encoded PEM (nginx $ssl_client_escaped_cert); from any other peer it "
                      "makes the request fail with 400"},
                     &cfg->edge.client_cert_header);
}

namespace {

bool is_header_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

Result<void> validate(const StsConfig& cfg) {
  SIGIL_TRY_VOID(service::validate(cfg.service));
  SIGIL_TRY(auto proxies, routing::parse_cidrs(cfg.edge.trusted_proxies));
  if (!cfg.edge.client_cert_header.empty() && !is_header_name(cfg.edge.client_cert_header)) {
    return fail(Errc::kInvalidArgument, "--client-cert-header '" + cfg.edge.client_cert_header +
                                            "' is not a header name (letters, digits, '-', '_')");
  }
  if (!cfg.edge.upstream_listen.empty()) {
    SIGIL_TRY_VOID(http::parse_host_port(cfg.edge.upstream_listen));
    if (proxies.empty()) {
      return fail(Errc::kInvalidArgument,
                  "--upstream-listen needs --trusted-proxies: the proxies allowed to connect");
    }
  }
  return {};
}

}  // namespace sigil::sts
