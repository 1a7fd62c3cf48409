#include "x509_util.hpp"

#include <cctype>
#include <chrono>
#include <ctime>
#include <string_view>

#include <openssl/asn1.h>
#include <openssl/x509v3.h>

#include "sigil/base/dns_name.hpp"
#include "sigil/crypto/crypto_error.hpp"

#include "bio_util.hpp"

namespace sigil::crypto::detail {
namespace {

bool valid_country(std::string_view c) {
  return c.size() == 2 && std::isalpha(static_cast<unsigned char>(c[0])) != 0 &&
         std::isalpha(static_cast<unsigned char>(c[1])) != 0;
}

Result<void> add_entry(X509_NAME* name, const char* field, const std::string& value) {
  if (value.empty()) return {};
  const auto* bytes = reinterpret_cast<const unsigned char*>(value.data());
  if (X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8, bytes, static_cast<int>(value.size()),
                                 -1, 0) != 1) {
    return crypto_error(std::string("invalid ") + field + " \"" + value + "\"",
                        Errc::kInvalidArgument);
  }
  return {};
}

}  // namespace

Result<X509NamePtr> build_name(const DistinguishedName& dn) {
  if (dn.common_name.empty() && dn.organization.empty() && dn.organizational_unit.empty() &&
      dn.country.empty()) {
    return fail(Errc::kInvalidArgument, "a distinguished name needs at least one field");
  }
  if (!dn.country.empty() && !valid_country(dn.country)) {
    return fail(Errc::kInvalidArgument, "country must be two letters, not \"" + dn.country + "\"");
  }
  X509NamePtr name(X509_NAME_new());
  if (!name) return crypto_error("X509_NAME_new");
  SIGIL_TRY_VOID(add_entry(name.get(), "C", dn.country));
  SIGIL_TRY_VOID(add_entry(name.get(), "O", dn.organization));
  SIGIL_TRY_VOID(add_entry(name.get(), "OU", dn.organizational_unit));
  SIGIL_TRY_VOID(add_entry(name.get(), "CN", dn.common_name));
  return name;
}

Result<std::string> name_to_string(const X509_NAME* name) {
  SIGIL_TRY(BioPtr bio, write_bio());
  // RFC 2253, but keep UTF-8 readable instead of escaping every byte above 0x7F.
  constexpr unsigned long kFlags = XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB;
  if (X509_NAME_print_ex(bio.get(), name, 0, kFlags) < 0) {
    return crypto_error("X509_NAME_print_ex");
  }
  return std::string(bio_contents(bio.get()));
}

Result<GeneralNamesPtr> build_dns_names(std::span<const std::string> dns_names) {
  GeneralNamesPtr names(GENERAL_NAMES_new());
  if (!names) return crypto_error("GENERAL_NAMES_new");
  for (const std::string& dns : dns_names) {
    if (!is_dns_name_or_wildcard(dns)) {
      return fail(Errc::kInvalidArgument, "invalid DNS name \"" + dns + "\"");
    }
    GeneralNamePtr name(a2i_GENERAL_NAME(nullptr, nullptr, nullptr, GEN_DNS, dns.c_str(), 0));
    if (!name) return crypto_error("a2i_GENERAL_NAME", Errc::kInvalidArgument);
    if (sk_GENERAL_NAME_push(names.get(), name.get()) == 0) return crypto_error("sk_push");
    (void)name.release();  // sk_GENERAL_NAME_push took ownership
  }
  return names;
}

std::vector<std::string> dns_names_of(const GENERAL_NAMES* names) {
  std::vector<std::string> out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name->type != GEN_DNS) continue;
    const ASN1_IA5STRING* dns = name->d.dNSName;
    out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                     static_cast<std::size_t>(ASN1_STRING_length(dns)));
  }
  return out;
}

Result<Asn1TimePtr> to_asn1_time(TimePoint t) {
  // ASN1_TIME_set picks UTCTime before 2050 and GeneralizedTime after, as RFC 5280 requires.
  Asn1TimePtr out(ASN1_TIME_set(nullptr, std::chrono::system_clock::to_time_t(t)));
  if (!out) return crypto_error("ASN1_TIME_set", Errc::kInvalidTimeRange);
  return out;
}

Result<TimePoint> from_asn1_time(const ASN1_TIME* t) {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) {
    return crypto_error("invalid certificate time", Errc::kMalformedRequest);
  }
  using namespace std::chrono;
  sys_days date = year(tm.tm_year + 1900) / month(static_cast<unsigned>(tm.tm_mon + 1)) /
                  day(static_cast<unsigned>(tm.tm_mday));
  return TimePoint(date) + hours(tm.tm_hour) + minutes(tm.tm_min) + seconds(tm.tm_sec);
}

}  // namespace sigil::crypto::detail
