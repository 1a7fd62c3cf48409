#pragma once
// Private helpers shared by the X.509 and CSR sources: names, subjectAltNames and times.
//
// Thread-safety: pure functions.

#include <span>
#include <string>
#include <vector>

#include "sigil/base/clock.hpp"
#include "sigil/base/result.hpp"
#include "sigil/crypto/handles.hpp"
#include "sigil/crypto/x509.hpp"

namespace sigil::crypto::detail {

// An X509_NAME with C, O, OU, CN in that order (so RFC 2253 prints CN first).
Result<X509NamePtr> build_name(const DistinguishedName& dn);
// RFC 2253 one-line form, UTF-8 kept as is.
Result<std::string> name_to_string(const X509_NAME* name);

// dNSName GENERAL_NAMEs; each name is checked (letters, digits, '-', '.', a leading "*." label).
Result<GeneralNamesPtr> build_dns_names(std::span<const std::string> dns_names);
std::vector<std::string> dns_names_of(const GENERAL_NAMES* names);

Result<Asn1TimePtr> to_asn1_time(TimePoint t);
Result<TimePoint> from_asn1_time(const ASN1_TIME* t);

}  // namespace sigil::crypto::detail
