// Configuration bundles without a database: the strict file and payload parser, the CMS
// signature, the payload checks and the no-password marker.

#include "certmgr/bundle/bundle_format.hpp"

#include <gtest/gtest.h>

#include "certmgr/bundle/bundle_import.hpp"
#include "certmgr/bundle/bundle_signature.hpp"

#include "sigil/crypto/encoding.hpp"
#include "sigil/crypto/keys.hpp"
#include "sigil/crypto/password.hpp"
#include "sigil/crypto/x509.hpp"

namespace sigil::certmgr::bundle {
namespace {

using namespace std::chrono_literals;

Payload sample() {
  Payload p;
  p.tenant = "acme";
  p.exported_at = "2026-11-24T09:00:00.000Z";
  p.exported_by = "cert:sha256:00";
  p.source_deployment = "a.example.test";
  for (const db::PolicyField& pf : db::policy_fields()) p.policy.*pf.member = pf.min + 1;
  p.hostnames = {"sts.acme.test"};
  BundleUser u;
  u.name = "alice";
  u.groups = {"Administrators"};
  u.first_name = "Alice";
  u.password_hash = "$scrypt$ln=15,r=8,p=1$c2FsdA$aGFzaA";
  p.users.push_back(u);
  BundleSolutionUser s;
  s.name = "vpxd";
  s.certificate_pem = "PEM";
  s.groups = {"ActAsUsers"};
  s.disabled = true;
  p.solution_users.push_back(s);
  p.signing_certificates = {"chain"};
  return p;
}

// The error message of parsing `text` as a payload ("" if it parsed).
std::string payload_error(std::string_view text) {
  auto p = parse_payload(text);
  return p ? std::string() : p.error().message;
}

TEST(BundleFormat, PayloadRoundTrips) {
  const Payload p = sample();
  auto back = parse_payload(serialize_payload(p));
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(back->tenant, "acme");
  EXPECT_EQ(back->hostnames, p.hostnames);
  ASSERT_EQ(back->users.size(), 1u);
  EXPECT_EQ(back->users[0].first_name, "Alice");
  EXPECT_EQ(back->users[0].last_name, std::nullopt);
  EXPECT_EQ(back->users[0].password_hash, p.users[0].password_hash);
  ASSERT_EQ(back->solution_users.size(), 1u);
  EXPECT_TRUE(back->solution_users[0].disabled);
  EXPECT_EQ(back->policy.max_renew_count, p.policy.max_renew_count);
  EXPECT_EQ(back->signing_certificates, p.signing_certificates);
}

TEST(BundleFormat, PayloadWithoutSecretsHasNoPasswordField) {
  Payload p = sample();
  p.users[0].password_hash.reset();
  const std::string text = serialize_payload(p);
  EXPECT_EQ(text.find("password_hash"), std::string::npos);
  auto back = parse_payload(text);
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(back->users[0].password_hash, std::nullopt);
}

TEST(BundleFormat, PayloadRefusesDuplicateKeysAtAnyDepth) {
  std::string text = serialize_payload(sample());
  const auto at = text.find("\"name\":\"alice\"");
  ASSERT_NE(at, std::string::npos);
  text.insert(at, "\"name\":\"mallory\",");
  EXPECT_NE(payload_error(text).find("field 'name' appears twice"), std::string::npos)
      << payload_error(text);
  std::string top = serialize_payload(sample());
  top.insert(1, "\"tenant\":\"other\",");
  EXPECT_NE(payload_error(top).find("field 'tenant' appears twice"), std::string::npos);
}

TEST(BundleFormat, PayloadNamesUnknownFieldsAndWrongTypesByPath) {
  std::string text = serialize_payload(sample());
  std::string unknown = text;
  unknown.insert(unknown.find("\"name\":\"alice\""), "\"nickname\":\"al\",");
  EXPECT_EQ(payload_error(unknown), "unknown field 'payload.users[0].nickname'");

  std::string wrong = text;
  const std::string groups = "\"groups\":[\"Administrators\"]";
  wrong.replace(wrong.find(groups), groups.size(), "\"groups\":[7]");
  EXPECT_EQ(payload_error(wrong), "field 'payload.users[0].groups[0]' must be a string");

  std::string flag = text;
  flag.replace(flag.find("\"disabled\":true"), 15, "\"disabled\":\"yes\"");
  EXPECT_EQ(payload_error(flag), "field 'payload.solution_users[0].disabled' must be a boolean");

  std::string policy = text;
  const auto at = policy.find("\"max_renew_count\"");
  policy.replace(at, policy.find(',', at) - at + 1, "");
  EXPECT_EQ(payload_error(policy), "field 'payload.policy.max_renew_count' is missing");

  std::string range = text;
  const auto r = range.find("\"lockout_max_failures\":");
  range.replace(r, range.find(',', r) - r, "\"lockout_max_failures\":0");
  EXPECT_NE(payload_error(range).find("payload.policy.lockout_max_failures"), std::string::npos)
      << payload_error(range);

  EXPECT_NE(payload_error("[1]").find("must be a JSON object"), std::string::npos);
  EXPECT_NE(payload_error(text + "x").find("not one valid JSON object"), std::string::npos);
}

TEST(BundleFormat, EnvelopeIsStrict) {
  const std::vector<std::uint8_t> sig{1, 2, 3};
  const std::string file = serialize_envelope("{}", sig);
  auto env = parse_envelope(file);
  ASSERT_TRUE(env) << env.error();
  EXPECT_EQ(env->payload, "{}");
  EXPECT_EQ(env->signature, sig);

  auto error_of = [](const std::string& text) {
    auto e = parse_envelope(text);
    return e ? std::string() : e.error().message;
  };
  EXPECT_EQ(error_of(R"({"format":"sigil-bundle/2","payload":"e30=","signature":"AQID"})"),
            "unsupported bundle format 'sigil-bundle/2' (expected sigil-bundle/1)");
  EXPECT_EQ(error_of(R"({"format":"sigil-bundle/1","payload":"e30=","signature":"AQID","x":1})"),
            "unknown field 'x'");
  EXPECT_EQ(error_of(R"({"format":"sigil-bundle/1","payload":"e30=!","signature":"AQID"})"),
            "field 'payload' is not valid base64");
  EXPECT_EQ(error_of(R"({"format":"sigil-bundle/1","payload":"e30=","payload":"e30=",)"
                     R"("signature":"AQID"})"),
            "the bundle file: field 'payload' appears twice");
  EXPECT_EQ(error_of(R"({"format":"sigil-bundle/1","payload":"e30="})"),
            "field 'signature' is missing");
  EXPECT_EQ(error_of(R"({"format":"sigil-bundle/1","payload":5,"signature":"AQID"})"),
            "field 'payload' must be a string");
}

struct TestSigner {
  crypto::EvpPkeyPtr key;
  crypto::X509Ptr cert;
};

TestSigner make_signer(const std::string& cn) {
  auto key = crypto::generate_key(crypto::KeyType::kEcdsaP256);
  EXPECT_TRUE(key);
  crypto::CertRequest r;
  r.subject.common_name = cn;
  r.subject_key = key->get();
  r.issuer_key = key->get();
  const TimePoint now = std::chrono::system_clock::now();
  r.not_before = now - 1h;
  r.not_after = now + 24h;
  r.key_usage.digital_signature = true;
  auto cert = crypto::issue_certificate(r);
  EXPECT_TRUE(cert) << cert.error();
  return {std::move(*key), std::move(*cert)};
}

TEST(BundleSignature, VerifiesAndNamesTheSigner) {
  TestSigner s = make_signer("a.example.test");
  const std::string payload = serialize_payload(sample());
  auto der = sign(payload, s.key.get(), s.cert.get(), {});
  ASSERT_TRUE(der) << der.error();
  auto signer = verify(payload, *der);
  ASSERT_TRUE(signer) << signer.error();
  EXPECT_EQ(signer->subject, "CN=a.example.test");
  auto expected = signer_of(s.cert.get());
  ASSERT_TRUE(expected);
  EXPECT_EQ(signer->sha256_hex, expected->sha256_hex);
  EXPECT_EQ(signer->sha256_hex.size(), 64u);
}

TEST(BundleSignature, RefusesAChangedPayloadOrSignature) {
  TestSigner s = make_signer("a.example.test");
  const std::string payload = serialize_payload(sample());
  auto der = sign(payload, s.key.get(), s.cert.get(), {});
  ASSERT_TRUE(der) << der.error();
  std::string changed = payload;
  changed[changed.size() / 2] ^= 1;
  auto bad = verify(changed, *der);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::kSignatureInvalid);
  EXPECT_NE(bad.error().message.find("signature does not verify"), std::string::npos);

  std::vector<std::uint8_t> flipped = *der;
  flipped[flipped.size() - 5] ^= 0x01;  // inside the signature value
  EXPECT_FALSE(verify(payload, flipped));

  const std::vector<std::uint8_t> garbage{0x30, 0x03, 0x02, 0x01, 0x00};
  auto g = verify(payload, garbage);
  ASSERT_FALSE(g);
  EXPECT_EQ(g.error().code, Errc::kMalformedRequest);
}

TEST(BundleImport, NoPasswordMarkerNeverVerifies) {
  for (std::string_view pw : {"", "x", "!sigil-bundle:no-password", "password"}) {
    auto r = crypto::verify_password(pw, kNoPasswordMarker);
    EXPECT_FALSE(r && *r) << pw;
  }
}

TEST(BundleImport, CheckPayloadRefusesBadNamesHostnamesHashesAndCertificates) {
  Payload p = sample();
  p.solution_users.clear();
  EXPECT_TRUE(check_payload(p));
  Payload bad_tenant = p;
  bad_tenant.tenant = "-acme";
  EXPECT_FALSE(check_payload(bad_tenant));
  Payload bad_host = p;
  bad_host.hostnames = {"STS.acme.test"};
  EXPECT_FALSE(check_payload(bad_host));
  Payload bad_hash = p;
  bad_hash.users[0].password_hash = "plaintext";
  auto h = check_payload(bad_hash);
  ASSERT_FALSE(h);
  EXPECT_NE(h.error().message.find("$scrypt$"), std::string::npos);
  Payload bad_cert = sample();
  auto c = check_payload(bad_cert);  // "PEM" is no certificate
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("solution user vpxd"), std::string::npos);
}

}  // namespace
}  // namespace sigil::certmgr::bundle
