#include "config.hpp"

#include "sigil/http/address.hpp"
#include "sts/routing/edge.hpp"

namespace sigil::sts {
namespace {

void bind_security_options(config::OptionSet& options, StsConfig* cfg) {
  options.add_int({"wss.timestamp_max_window_s", "--wss-timestamp-max-window-s",
                   "SIGIL_STS_WSS_TIMESTAMP_MAX_WINDOW_S", "S",
                   "longest WS-Security Timestamp window (Expires - Created) accepted; longer "
                   "ones are refused with wsse:MessageExpired"},
                  &cfg->wss.timestamp_max_window_s, 1, 3600);
  options.add_int({"wss.timestamp_max_age_s", "--wss-timestamp-max-age-s",
                   "SIGIL_STS_WSS_TIMESTAMP_MAX_AGE_S", "S",
                   "oldest WS-Security Timestamp Created accepted, plus the tenant's clock "
                   "tolerance"},
                  &cfg->wss.timestamp_max_age_s, 1, 3600);
  options.add_int({"wss.replay_cache_entries", "--wss-replay-cache-entries",
                   "SIGIL_STS_WSS_REPLAY_CACHE_ENTRIES", "N",
                   "signed requests remembered per replica to refuse replays (about 160 bytes "
                   "each); one signer may hold 1/16 of them; a signer at its share, or anyone "
                   "when the cache is full, is refused until entries expire"},
                  &cfg->wss.replay_cache_entries, 1000, 10'000'000);
  options.add_int({"login.attempts_burst", "--login-attempts-burst",
                   "SIGIL_STS_LOGIN_ATTEMPTS_BURST", "N",
                   "password attempts a client address may make at once before it is throttled "
                   "(HTTP 429 / wst:RequestFailed, no scrypt); its IPv6 /48 or IPv4 /24 may "
                   "make 8 times as many, and regains 8 times as many a minute"},
                  &cfg->login.attempts_burst, 1, 100'000);
  options.add_int({"login.attempts_per_minute", "--login-attempts-per-minute",
                   "SIGIL_STS_LOGIN_ATTEMPTS_PER_MINUTE", "N",
                   "password attempts a client address regains per minute (successful logins "
                   "give theirs back)"},
                  &cfg->login.attempts_per_minute, 1, 1'000'000);
  options.add_int({"login.sources_max", "--login-sources-max", "SIGIL_STS_LOGIN_SOURCES_MAX",
                   "N",
                   "client addresses tracked by the password throttle (about 100 bytes each); "
                   "beyond that, new addresses share one budget"},
                  &cfg->login.sources_max, 16, 10'000'000);
}

}  // namespace

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
  options.add_string({"edge.client_address_header", "--client-address-header",
                      "SIGIL_STS_CLIENT_ADDRESS_HEADER", "NAME",
                      "header in which a trusted proxy forwards the client's IP address (nginx "
                      "X-Real-IP $remote_addr; of X-Forwarded-For the last entry): password "
                      "throttling and lockout then count that address; ignored from other peers"},
                     &cfg->edge.client_address_header);
  bind_security_options(options, cfg);
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
  if (!cfg.edge.client_address_header.empty() &&
      !is_header_name(cfg.edge.client_address_header)) {
    return fail(Errc::kInvalidArgument, "--client-address-header '" +
                                            cfg.edge.client_address_header +
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
