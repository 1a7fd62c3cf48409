#include "sigil/keys/import_check.hpp"

#include <algorithm>

#include "sigil/base/time_format.hpp"
#include "sigil/crypto/keys.hpp"

namespace sigil::keys {
namespace {

using std::chrono::duration_cast;
using std::chrono::hours;

ImportCheck check(std::string name, CheckStatus status, std::string message) {
  ImportCheck c;
  c.name = std::move(name);
  c.status = status;
  c.message = std::move(message);
  return c;
}

std::string days(std::chrono::seconds s) {
  return std::to_string(duration_cast<hours>(s).count() / 24) + " days";
}

void parse_inputs(const ImportInput& in, ImportReport& r) {
  auto cert = crypto::parse_certificate_pem(in.certificate_pem);
  if (cert) {
    r.certificate = std::move(cert).value();
    auto info = crypto::describe(r.certificate.get());
    if (info) r.info = std::move(info).value();
  }
  r.checks.push_back(cert && r.info ? check("certificate-pem", CheckStatus::kPass,
                                            "certificate " + r.info->subject)
                                    : check("certificate-pem", CheckStatus::kFail,
                                            "the certificate file is not exactly one PEM "
                                            "certificate"));
  auto key = crypto::read_private_key_pem(in.private_key_pem);
  if (key) {
    r.key = std::move(key).value();
    r.checks.push_back(check("key-pem", CheckStatus::kPass,
                             "private key " + crypto::describe(r.key.get()).description));
  } else if (key.error().code == Errc::kInvalidArgument) {
    r.checks.push_back(check("key-pem", CheckStatus::kFail,
                             "the private key is encrypted; decrypt it first "
                             "(openssl pkey -in KEY -out PLAIN)"));
  } else {
    r.checks.push_back(
        check("key-pem", CheckStatus::kFail, "the key file is not a PEM private key"));
  }
  if (!in.chain_pem) return;
  auto chain = crypto::parse_certificate_bundle(*in.chain_pem);
  if (chain) {
    r.chain = std::move(chain).value();
    r.checks.push_back(check("chain-pem", CheckStatus::kPass,
                             std::to_string(r.chain.size()) + " chain certificate(s)"));
  } else {
    r.checks.push_back(
        check("chain-pem", CheckStatus::kFail, "the chain file holds no PEM certificate"));
  }
}

ImportCheck check_key_type(const crypto::KeyInfo& k) {
  const bool rsa_ok = k.algorithm == crypto::KeyAlgorithm::kRsa && k.bits >= 2048;
  const bool ec_ok =
      k.algorithm == crypto::KeyAlgorithm::kEc && (k.curve == "P-256" || k.curve == "P-384");
  if (rsa_ok || ec_ok) return check("key-type", CheckStatus::kPass, k.description + " is allowed");
  return check("key-type", CheckStatus::kFail,
               k.description + " is not allowed (RSA of at least 2048 bits, ECDSA P-256 or P-384)");
}

ImportCheck check_validity(const crypto::CertInfo& info, TimePoint now) {
  if (info.not_after <= now) {
    return check("validity", CheckStatus::kFail,
                 "the certificate expired at " + format_rfc3339(info.not_after));
  }
  if (info.not_before > now) {
    return check("validity", CheckStatus::kWarn,
                 "the certificate is not valid before " + format_rfc3339(info.not_before) +
                     "; it cannot be activated until then");
  }
  return check(
      "validity", CheckStatus::kPass,
      "valid from " + format_rfc3339(info.not_before) + " to " + format_rfc3339(info.not_after));
}

ImportCheck check_key_usage(const crypto::CertInfo& info) {
  if (!info.key_usage) {
    return check("key-usage", CheckStatus::kFail,
                 "the certificate has no keyUsage extension; it needs digitalSignature");
  }
  if (!info.key_usage->digital_signature) {
    return check("key-usage", CheckStatus::kFail, "keyUsage lacks digitalSignature");
  }
  return check("key-usage", CheckStatus::kPass, "keyUsage includes digitalSignature");
}

Result<crypto::X509Ptr> copy_certificate(X509* cert) {
  SIGIL_TRY(std::vector<std::uint8_t> der, crypto::write_certificate_der(cert));
  return crypto::parse_certificate_der(der);
}

ImportCheck check_chain(ImportReport& r, TimePoint now) {
  if (r.chain.empty()) return check("chain", CheckStatus::kSkip, "the chain did not parse");
  std::vector<crypto::X509Ptr> roots;
  std::vector<crypto::X509Ptr> intermediates;
  for (const auto& c : r.chain) {
    auto info = crypto::describe(c.get());
    auto dup = copy_certificate(c.get());
    if (!info || !dup)
      return check("chain", CheckStatus::kFail, "a chain certificate is unreadable");
    (info->subject == info->issuer ? roots : intermediates).push_back(std::move(dup).value());
  }
  if (roots.empty()) {
    return check("chain", CheckStatus::kFail,
                 "the chain does not end in a self-signed root certificate");
  }
  auto verified = crypto::verify_chain(r.certificate.get(), intermediates, roots, now);
  if (!verified) return check("chain", CheckStatus::kFail, verified.error().message);
  return check("chain", CheckStatus::kPass, "the certificate chains to a root in the chain file");
}

ImportCheck check_margin(const crypto::CertInfo& info, TimePoint now, const ImportPolicy& p) {
  const auto left = duration_cast<std::chrono::seconds>(info.not_after - now);
  if (info.not_after <= now) return check("expiry-margin", CheckStatus::kSkip, "already expired");
  if (left < p.min_remaining) {
    return check("expiry-margin", CheckStatus::kWarn,
                 "only " + days(left) + " left before " + format_rfc3339(info.not_after) +
                     " (less than " + days(p.min_remaining) +
                     "): expiry alarms start at once; use --force to import anyway");
  }
  return check("expiry-margin", CheckStatus::kPass, days(left) + " left");
}

void skip(ImportReport& r, const char* name, const std::string& why) {
  r.checks.push_back(check(name, CheckStatus::kSkip, "not checked: " + why));
}

}  // namespace

std::string_view status_name(CheckStatus status) noexcept {
  switch (status) {
    case CheckStatus::kPass:
      return "pass";
    case CheckStatus::kWarn:
      return "warn";
    case CheckStatus::kFail:
      return "fail";
    case CheckStatus::kSkip:
      return "skip";
  }
  return "skip";
}

bool ImportReport::rejected() const noexcept {
  return std::any_of(checks.begin(), checks.end(),
                     [](const ImportCheck& c) { return c.status == CheckStatus::kFail; });
}

bool ImportReport::needs_force() const noexcept {
  return std::any_of(checks.begin(), checks.end(),
                     [](const ImportCheck& c) { return c.status == CheckStatus::kWarn; });
}

const ImportCheck* ImportReport::find(std::string_view name) const noexcept {
  for (const ImportCheck& c : checks) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

ImportReport check_import(const ImportInput& input, TimePoint now, const ImportPolicy& policy) {
  ImportReport r;
  parse_inputs(input, r);
  const bool have_cert = r.certificate && r.info;
  const bool have_key = static_cast<bool>(r.key);
  if (have_cert && have_key) {
    r.checks.push_back(
        crypto::key_matches_certificate(r.key.get(), r.certificate.get())
            ? check("key-matches", CheckStatus::kPass, "the private key belongs to the certificate")
            : check("key-matches", CheckStatus::kFail,
                    "the private key does not belong to the certificate"));
  } else {
    skip(r, "key-matches", "the certificate or the key did not parse");
  }
  if (have_key) {
    r.checks.push_back(check_key_type(crypto::describe(r.key.get())));
  } else {
    skip(r, "key-type", "the key did not parse");
  }
  if (!have_cert) {
    for (const char* name : {"validity", "key-usage", "not-ca", "chain", "expiry-margin"}) {
      skip(r, name, "the certificate did not parse");
    }
    return r;
  }
  r.checks.push_back(check_validity(*r.info, now));
  r.checks.push_back(check_key_usage(*r.info));
  r.checks.push_back(r.info->is_ca ? check("not-ca", CheckStatus::kFail,
                                           "the certificate is a CA certificate (CA:TRUE); "
                                           "signing certificates must not be CAs")
                                   : check("not-ca", CheckStatus::kPass, "not a CA certificate"));
  if (input.chain_pem) {
    r.checks.push_back(check_chain(r, now));
  } else {
    r.checks.push_back(check("chain", CheckStatus::kSkip, "no chain given"));
  }
  r.checks.push_back(check_margin(*r.info, now, policy));
  return r;
}

}  // namespace sigil::keys
