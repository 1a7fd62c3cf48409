// SAML times are UTC xs:dateTime (docs/security.md "Time values"): a token genuinely signed by
// the tenant key whose NotOnOrAfter is the leap second 23:59:60, has no zone, an offset, or a
// lower-case z is invalid at Validate over HTTPS; the same token with a proper `...Z` time is
// valid (the control: the re-signing itself is sound).
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "sigil/base/time_format.hpp"
#include "sigil/saml/names.hpp"
#include "sts_attack_fixture.hpp"

namespace sigil::testing {
namespace {

using namespace std::chrono_literals;

class SamlTimes : public StsAttackTest {
 protected:
  // `token` with every occurrence of its expiry replaced by `expiry` (Conditions and the
  // bearer confirmation carry the same value), re-signed with the tenant key by xmlsec1.
  static std::string with_expiry(const std::string& token, const std::string& expiry) {
    const std::string conditions = between(token, "<saml2:Conditions ", ">");
    const std::string original = between(conditions, "NotOnOrAfter=\"", "\"");
    std::string t = wt::replace_all(token, "\"" + original + "\"", "\"" + expiry + "\"");
    t = replace_once(
        t, "<ds:KeyInfo>" + between(t, "<ds:KeyInfo>", "</ds:KeyInfo>") + "</ds:KeyInfo>", "");
    write_file("tenant.key", std::string(crypto::write_private_key_pem(tenant_key())->view()));
    write_file("template.xml", t);
    auto r = run({"xmlsec1", "--sign", "--privkey-pem", path("tenant.key"), "--id-attr:ID",
                  "urn:oasis:names:tc:SAML:2.0:assertion:Assertion", "--output",
                  path("resigned.xml"), path("template.xml")});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::ifstream in(path("resigned.xml"));
    std::string out((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return token_of(out);
  }
};

TEST_F(SamlTimes, LeapSecondZonelessAndOffsetExpiriesAreInvalidAtValidate) {
  const std::string genuine = bearer_token("alice");
  ASSERT_FALSE(genuine.empty());
  // Tomorrow, so that each variant would be a live token if it were read leniently.
  const std::string day = format_rfc3339(std::chrono::system_clock::now() + 24h).substr(0, 10);
  EXPECT_TRUE(validates(with_expiry(genuine, day + "T23:59:59.000Z")));  // the control
  const double valid_before = metric("sigil_token_validations_total", "result=\"valid\"");
  for (const std::string& expiry : {day + "T23:59:60Z", day + "T23:59:60.000Z",
                                    day + "T12:00:00.000", day + "T12:00:00",
                                    day + "T12:00:00.000+01:00", day + "T12:00:00+00:00",
                                    day + "T12:00:00.000z"}) {
    SCOPED_TRACE(expiry);
    EXPECT_FALSE(validates(with_expiry(genuine, expiry)));
  }
  EXPECT_EQ(metric("sigil_token_validations_total", "result=\"valid\""), valid_before);
}

}  // namespace
}  // namespace sigil::testing
