#include "config.hpp"

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
}

Result<void> validate(const StsConfig& cfg) { return service::validate(cfg.service); }

}  // namespace sigil::sts
