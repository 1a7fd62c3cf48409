#include "config.hpp"

namespace sigil::ctl {

void bind_options(config::OptionSet& options, SigilctlConfig* cfg) {
  options.add_string({"server", "--server", "SIGIL_SERVER", "URL",
                      "certmgr admin API (signing-cert, rotate, alarms, certmgr, audit)"},
                     &cfg->server);
  options.add_string({"ca_file", "--ca-file", "SIGIL_CA_FILE", "FILE",
                      "admin API: CA certificate(s) the server's certificate must chain to "
                      "(default HOME/tls/server.crt, a local deployment's self-signed one)"},
                     &cfg->ca_file);
  options.add_string({"client_cert", "--client-cert", "SIGIL_CLIENT_CERT", "FILE",
                      "admin API: admin client certificate (PEM; see admin-cert create)"},
                     &cfg->client_cert_file);
  options.add_string({"client_key", "--client-key", "SIGIL_CLIENT_KEY", "FILE",
                      "admin API: the client certificate's private key (PEM)"},
                     &cfg->client_key_file);
  options.add_string({"token_file", "--token-file", "SIGIL_TOKEN_FILE", "FILE",
                      "admin API: a Sigil token of an administrator (SAML XML or its base64), "
                      "sent as Authorization: SAML"},
                     &cfg->token_file);
  options.add_bool({"json", "--json", "SIGIL_JSON", "", "print JSON instead of a table"},
                   &cfg->json);
  options.add_int(
      {"timeout_ms", "--timeout-ms", "SIGIL_TIMEOUT_MS", "MS", "deadline of each HTTP request"},
      &cfg->timeout_ms, 1, 600'000);
  options.add_string({"out", "--out", "", "FILE",
                      "signing-cert export-key: the PKCS#12 file to write (must not exist)"},
                     &cfg->out_file);
  options.add_bool({"passphrase_stdin", "--passphrase-stdin", "", "",
                    "signing-cert export-key: read the PKCS#12 passphrase from standard input"},
                   &cfg->passphrase_stdin);
  options.add_string({"out_cert", "--out-cert", "", "FILE",
                      "admin-cert create: where to write the certificate (PEM)"},
                     &cfg->out_cert_file);
  options.add_string({"out_key", "--out-key", "", "FILE",
                      "admin-cert create: where to write the private key (PEM, mode 0600)"},
                     &cfg->out_key_file);
  options.add_string({"admin_name", "--name", "", "NAME",
                      "admin-cert create: solution user name (default sigilctl-admin)"},
                     &cfg->admin_name);
  options.add_string({"server_cert.common_name", "--cn", "", "FQDN",
                      "server-cert self-signed, csr: subject CN and DNS name (default: "
                      "certmgr's --sts-hostname)"},
                     &cfg->common_name);
  options.add_string({"server_cert.country", "--country", "", "CC",
                      "server-cert self-signed, csr: subject country (two letters)"},
                     &cfg->country);
  options.add_string({"hostname", "--hostname", "", "FQDN",
                      "tenant: the new tenant's hostname (TLS SNI name); server-cert: the "
                      "certificate of that hostname or *.domain (default: the default one)"},
                     &cfg->hostname);
  options.add_string({"at", "--at", "", "RFC3339",
                      "alarms list: alarms open at that time; certmgr run-once: run the pass as "
                      "if the clock said so"},
                     &cfg->at);
  options.add_bool({"include_cleared", "--all", "", "",
                    "alarms list: cleared alarms too"},
                   &cfg->include_cleared);
  options.add_int({"limit", "--limit", "", "N", "audit list: how many entries (newest first)"},
                  &cfg->limit, 1, 1000);
  options.add_string({"status.sts_metrics", "--sts-metrics", "SIGIL_STS_METRICS_URL", "URL",
                      "status: sigil-sts metrics/health listener"},
                     &cfg->sts_metrics);
  options.add_string({"status.certmgr_metrics", "--certmgr-metrics", "SIGIL_CERTMGR_METRICS_URL",
                      "URL", "status: sigil-certmgr metrics/health listener"},
                     &cfg->certmgr_metrics);
  service::bind_log_options(options, &cfg->log);
  service::bind_data_options(options, &cfg->data);
  options.add_string({"tenant", "--tenant", "SIGIL_TENANT", "NAME", "tenant a verb acts on"},
                     &cfg->tenant);
  options.add_string_list({"group", "--group", "", "GROUP",
                           "user, solution-user add: a group (repeatable)"},
                          &cfg->groups);
  options.add_bool({"password_stdin", "--password-stdin", "", "",
                    "user add: read the password from standard input (first line)"},
                   &cfg->password_stdin);
  options.add_string({"cert", "--cert", "", "FILE",
                      "solution-user add, signing-cert import: certificate (PEM)"},
                     &cfg->cert_file);
  options.add_string({"key", "--key", "", "FILE",
                      "signing-cert import, server-cert import: private key (PEM)"},
                     &cfg->key_file);
  options.add_string({"chain", "--chain", "", "FILE",
                      "signing-cert import: issuer certificates up to the root (PEM)"},
                     &cfg->chain_file);
  options.add_string({"peer.ca", "--ca", "", "FILE",
                      "peer add: the peer deployment's trust bundle (sigilctl peer identity "
                      "on the peer)"},
                     &cfg->peer_ca_file);
  options.add_bool({"dry_run", "--dry-run", "", "",
                    "signing-cert import, rotate, certmgr run-once: report what would change, change nothing"},
                   &cfg->dry_run);
  options.add_bool({"force", "--force", "", "",
                    "signing-cert import: accept warnings (short remaining validity, ...)"},
                   &cfg->force);
  options.add_bool({"activate", "--activate", "", "",
                    "signing-cert import: make the imported key active at once"},
                   &cfg->activate);
  options.add_bool({"bundle.include_secrets", "--include-secrets", "", "",
                    "bundle export: include the users' password hashes"},
                   &cfg->include_secrets);
  options.add_bool({"bundle.trust", "--trust", "", "",
                    "bundle import: trust the bundle's signer (added to the trusted list)"},
                   &cfg->trust);
  options.add_choice({"signing_cert.key_type", "--key-type", "", "rsa-2048|rsa-3072|ecdsa-p256",
                      "signing-cert add, refresh: type of the new key"},
                     &cfg->key_type, {"rsa-2048", "rsa-3072", "ecdsa-p256"});
  options.add_int({"signing_cert.validity_days", "--validity-days", "", "N",
                   "signing-cert add, refresh, admin-cert create: validity of the new certificate"},
                  &cfg->validity_days, 1, 36525);
  const struct {
    const char* column;
    const char* flag;
    std::string* target;
  } policy[] = {
      {"clock_tolerance_s", "--clock-tolerance-s", &cfg->clock_tolerance_s},
      {"max_bearer_lifetime_s", "--max-bearer-lifetime-s", &cfg->max_bearer_lifetime_s},
      {"max_hok_lifetime_s", "--max-hok-lifetime-s", &cfg->max_hok_lifetime_s},
      {"max_renew_count", "--max-renew-count", &cfg->max_renew_count},
      {"max_delegation_count", "--max-delegation-count", &cfg->max_delegation_count},
      {"lockout_max_failures", "--lockout-max-failures", &cfg->lockout_max_failures},
      {"lockout_window_s", "--lockout-window-s", &cfg->lockout_window_s},
      {"lockout_duration_s", "--lockout-duration-s", &cfg->lockout_duration_s},
  };
  for (const auto& p : policy) {
    options.add_string({std::string("policy.") + p.column, p.flag, "", "N",
                        std::string("tenant set-policy: ") + p.column + " (unset: unchanged)"},
                       p.target);
  }
  options.add_string({"first_name", "--first-name", "", "NAME", "user add: given name"},
                     &cfg->first_name);
  options.add_string({"last_name", "--last-name", "", "NAME", "user add: surname"},
                     &cfg->last_name);
}

}  // namespace sigil::ctl
