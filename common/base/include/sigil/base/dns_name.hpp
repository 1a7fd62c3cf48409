#pragma once
// The DNS names Sigil accepts wherever one is given (a tenant hostname, the hostname of a server
// certificate, the dNSNames of a certificate or CSR it builds): dot-separated labels of 1-63
// ASCII letters, digits and '-', no label beginning or ending with '-', 253 characters at most.
// No empty label, so no trailing dot; nothing else (no '_', no raw UTF-8: an IDN is given as its
// "xn--" form). Case is not judged: callers that store a name lower it first (ascii.hpp). What a
// caller adds on top (dropping a trailing dot, refusing wildcards, a wildcard's domain having
// two labels) it checks itself.
//
// Thread-safety: pure functions.

#include <string_view>

namespace sigil {

// True when `name` is a DNS name as above.
bool is_dns_name(std::string_view name) noexcept;

// True when `name` is a DNS name, or "*." followed by one: a wildcard only as the whole first
// label. The 253 characters count the "*.".
bool is_dns_name_or_wildcard(std::string_view name) noexcept;

}  // namespace sigil
