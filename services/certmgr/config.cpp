#include "config.hpp"

#include <cctype>

#include "sigil/db/tenant_store.hpp"
#include "sigil/http/address.hpp"

namespace sigil::certmgr {

void bind_options(config::OptionSet& options, CertmgrConfig* cfg) {
  service::bind_data_options(options, &cfg->data);
  options.add_int({"db_wait_s", "--db-wait-s", "SIGIL_CERTMGR_DB_WAIT_S", "SECONDS",
                   "how long startup and `migrate` retry an unreachable database"},
                  &cfg->db_wait_s, 0, 3600);
  options.add_int({"scheduler.pass_interval_s", "--pass-interval-s", "SIGIL_CERTMGR_PASS_INTERVAL_S",
                   "SECONDS", "how often the leader runs a scheduler pass (renewal, alarms)"},
                  &cfg->pass_interval_s, 10, 86400);
  options.add_int({"scheduler.renew_lead_days", "--renew-lead-days",
                   "SIGIL_CERTMGR_RENEW_LEAD_DAYS", "DAYS",
                   "renew a built-in CA signing certificate this long before it expires (ahead "
                   "of the 90-day alarm)"},
                  &cfg->renew_lead_days, 1, 3650);
  options.add_int({"scheduler.prepublish_hours", "--prepublish-hours",
                   "SIGIL_CERTMGR_PREPUBLISH_HOURS", "HOURS",
                   "how long a renewed key is published (pending) before it starts signing"},
                  &cfg->prepublish_hours, 0, 24 * 60);
  options.add_choice({"scheduler.signing_key_type", "--signing-key-type",
                      "SIGIL_CERTMGR_SIGNING_KEY_TYPE", "rsa-2048|rsa-3072|ecdsa-p256",
                      "key type of signing certificates the built-in CA issues"},
                     &cfg->signing_key_type, {"rsa-2048", "rsa-3072", "ecdsa-p256"});
  options.add_int({"scheduler.signing_validity_days", "--signing-validity-days",
                   "SIGIL_CERTMGR_SIGNING_VALIDITY_DAYS", "DAYS",
                   "validity of signing certificates the built-in CA issues (default 10 years)"},
                  &cfg->signing_validity_days, 120, 3652 * 2);
  options.add_bool({"scheduler.allow_time_travel", "--allow-time-travel",
                    "SIGIL_CERTMGR_ALLOW_TIME_TRAVEL", "",
                    "allow real (not dry-run) scheduler passes at a time more than 5 minutes "
                    "from now (run-once --at, here and through the admin API): a testing tool; "
                    "such a pass renews certificates and retires keys as of that time"},
                   &cfg->allow_time_travel);
  options.add_choice({"ca.key_type", "--ca-key-type", "SIGIL_CERTMGR_CA_KEY_TYPE",
                      "rsa-2048|rsa-3072|ecdsa-p256",
                      "key type of the built-in CA, when certmgr creates it (first start)"},
                     &cfg->ca_key_type, {"rsa-2048", "rsa-3072", "ecdsa-p256"});
  options.add_string({"alarms.webhook_url", "--alarm-webhook-url", "SIGIL_CERTMGR_ALARM_WEBHOOK_URL",
                      "URL", "POST every alarm notification and clearance as JSON to this URL"},
                     &cfg->alarm_webhook_url);
  options.add_string({"alarms.webhook_ca_file", "--alarm-webhook-ca-file",
                      "SIGIL_CERTMGR_ALARM_WEBHOOK_CA_FILE", "FILE",
                      "CA certificates (PEM) an https webhook's server must chain to"},
                     &cfg->alarm_webhook_ca_file);
  options.add_string({"run_once.at", "--at", "SIGIL_CERTMGR_AT", "RFC3339",
                      "run-once: run the pass as if the clock said this (default: now)"},
                     &cfg->run_once_at);
  options.add_bool({"run_once.dry_run", "--dry-run", "SIGIL_CERTMGR_DRY_RUN", "",
                    "run-once: report what the pass would do, change nothing"},
                   &cfg->run_once_dry_run);
  options.add_bool({"json", "--json", "SIGIL_CERTMGR_JSON", "",
                    "run-once: print the report as JSON"},
                   &cfg->json);
  service::bind_service_options(options, &cfg->service, "SIGIL_CERTMGR_");
  options.add_int({"connections.reserved", "--reserved-connections",
                   "SIGIL_CERTMGR_RESERVED_CONNECTIONS", "N",
                   "admin listener slots beyond --max-connections that only --reserved-clients "
                   "may use, so operators and peers get in while the listener is full"},
                  &cfg->reserved_connections, 0, 100'000);
  options.add_string({"connections.reserved_clients", "--reserved-clients",
                      "SIGIL_CERTMGR_RESERVED_CLIENTS", "CIDR[,CIDR...]",
                      "client addresses that may use the reserved slots: the operators' "
                      "networks and linked peers (default: loopback)"},
                     &cfg->reserved_clients);
  options.add_string({"tls.cert_file", "--tls-cert", "SIGIL_CERTMGR_TLS_CERT", "FILE",
                      "admin API certificate chain (PEM, leaf first); default "
                      "HOME/tls/server.crt, self-signed at first start"},
                     &cfg->tls.cert_file);
  options.add_string({"tls.key_file", "--tls-key", "SIGIL_CERTMGR_TLS_KEY", "FILE",
                      "admin API private key (PEM); default HOME/tls/server.key"},
                     &cfg->tls.key_file);
  options.add_string({"tls.hostname", "--hostname", "SIGIL_CERTMGR_HOSTNAME", "FQDN",
                      "this server's name in the self-signed admin API certificate"},
                     &cfg->tls.hostname);
  options.add_string({"tls.sts_hostname", "--sts-hostname", "SIGIL_CERTMGR_STS_HOSTNAME", "FQDN",
                      "sigil-sts's --hostname: admin tokens must have the Issuer "
                      "https://FQDN/websso/SAML2/Metadata/TENANT"},
                     &cfg->tls.sts_hostname);
  options.add_string({"tls.bootstrap_server_cert", "--bootstrap-server-cert",
                      "SIGIL_CERTMGR_BOOTSTRAP_SERVER_CERT", "MODE",
                      "self-signed: when the deployment has no default HTTPS server certificate "
                      "in PostgreSQL, make one for --sts-hostname (and renew a self-signed one "
                      "ahead of expiry); off: leave it to the operator"},
                     &cfg->tls.bootstrap_server_cert);
  options.add_string({"tls.server_cert_country", "--server-cert-country",
                      "SIGIL_CERTMGR_SERVER_CERT_COUNTRY", "CC",
                      "C= of the self-signed default server certificate (two letters)"},
                     &cfg->tls.server_cert_country);
  options.add_string({"system_tenant", "--system-tenant", "SIGIL_CERTMGR_SYSTEM_TENANT", "NAME",
                      "the tenant whose Administrators manage deployment-wide settings (default "
                      "and wildcard server certificates, hostnames no tenant owns)"},
                     &cfg->system_tenant);
  service::bind_log_options(options, &cfg->log);
}

Result<void> validate(const CertmgrConfig& cfg) {
  if (!db::is_valid_tenant_name(cfg.system_tenant)) {
    return fail(Errc::kInvalidArgument,
                "--system-tenant: not a valid tenant name: '" + cfg.system_tenant + "'");
  }
  if (cfg.tls.bootstrap_server_cert != "self-signed" && cfg.tls.bootstrap_server_cert != "off") {
    return fail(Errc::kInvalidArgument, "--bootstrap-server-cert: expected self-signed or off, got '" +
                                            cfg.tls.bootstrap_server_cert + "'");
  }
  const std::string& cc = cfg.tls.server_cert_country;
  if (!cc.empty() && (cc.size() != 2 || !std::isalpha(static_cast<unsigned char>(cc[0])) ||
                      !std::isalpha(static_cast<unsigned char>(cc[1])))) {
    return fail(Errc::kInvalidArgument,
                "--server-cert-country: expected two letters, e.g. US, got '" + cc + "'");
  }
  if (auto r = http::parse_cidrs(cfg.reserved_clients); !r) {
    return fail(Errc::kInvalidArgument, "--reserved-clients: " + r.error().message);
  }
  return service::validate(cfg.service);
}

}  // namespace sigil::certmgr
