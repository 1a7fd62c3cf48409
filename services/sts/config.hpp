#pragma once
// StsConfig: every setting of sigil-sts, and the one function that binds it to an OptionSet
// (flags, SIGIL_* environment, JSON file keys and --help come from that binding).
//
// Thread-safety: built and validated in main(), then frozen as shared_ptr<const StsConfig>.

#include "sigil/base/config.hpp"
#include "sigil/base/result.hpp"
#include "sigil/service/common_config.hpp"

namespace sigil::sts {

// The HTTPS listener's certificate and the token issuer's name.
struct TlsConfig {
  std::string cert_file;  // PEM chain, leaf first; empty: HOME/tls/server.crt (self-signed)
  std::string key_file;   // PEM private key; empty: HOME/tls/server.key
  std::string hostname = "localhost";    // self-signed certificate name and token Issuer host
  std::string client_cert = "optional";  // none | optional | required (mTLS solution users)
};

// Edge / DMZ mode (docs/edge.md): sts behind a TLS-terminating reverse proxy.
struct EdgeConfig {
  std::string upstream_listen;     // plain-HTTP listener for the proxy; empty: none
  std::string trusted_proxies;     // CIDR[,CIDR...]: peers whose forwarded headers are believed
  std::string client_cert_header;  // header with the URL-encoded PEM client certificate
  std::string client_address_header;  // header with the client's IP address (X-Real-IP, ...)
};

// WS-Security request Timestamps and the replay cache (docs/wstrust.md, "Timestamps and
// replay").
struct WssConfig {
  std::int64_t timestamp_max_window_s = 300;  // Expires - Created at most
  std::int64_t timestamp_max_age_s = 300;     // now - Created at most, plus the clock tolerance
  std::int64_t replay_cache_entries = 100'000;
};

// Password attempts per client source (docs/identity.md, "Throttling").
struct LoginConfig {
  std::int64_t attempts_burst = 10;       // attempts a source may make at once
  std::int64_t attempts_per_minute = 10;  // attempts a source regains per minute
  std::int64_t sources_max = 65'536;      // sources tracked at once
};

struct StsConfig {
  service::LogConfig log;
  TlsConfig tls;
  EdgeConfig edge;
  WssConfig wss;
  LoginConfig login;
  std::string default_tenant = "vsphere.local";  // served at /sts/STSService without a tenant
  // Fallback to LISTEN/NOTIFY: how often every tenant's key set generation is polled.
  std::int64_t keyset_poll_interval_ms = 5000;
  service::DataConfig data;
  service::ServiceConfig service{.listen = "127.0.0.1:8443", .metrics_listen = "127.0.0.1:9443"};
};

void bind_options(config::OptionSet& options, StsConfig* cfg);
Result<void> validate(const StsConfig& cfg);

}  // namespace sigil::sts
