// verify_request_signature / signer_reference: the pyVmomi and govmomi signatures verify, and
// wrapped, partial, tampered, weak or misdirected signatures do not.
#include "sts/wstrust/security.hpp"

#include <gtest/gtest.h>

#include "sigil/xml/dsig.hpp"
#include "wstrust_fixtures.hpp"

namespace sigil::sts::wstrust {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace): this suite's fixtures

Request parsed(std::string_view body) {
  xml::XmlSecLibrary::ensure();
  auto r = parse_request(body, "", xml::ParseLimits{});
  if (!r) die("parse_request", r.error().to_string());
  return std::move(r).value();
}

Errc verify_error(std::string_view body, EVP_PKEY* key = test_signer().key.get()) {
  const Request req = parsed(body);
  auto v = verify_request_signature(req, key);
  EXPECT_FALSE(v.has_value());
  return v ? Errc::kInternal : v.error().code;
}

std::string go_hok_with(const SignatureSpec& spec, std::string_view rst = {}) {
  return sign_envelope(go_signed_unsigned(test_signer(), rst.empty() ? go_issue_rst() : rst),
                       test_signer().key.get(), spec);
}

std::string between(const std::string& s, std::string_view open, std::string_view close) {
  const size_t a = s.find(open);
  const size_t b = s.find(close, a);
  if (a == std::string::npos || b == std::string::npos) die("between", std::string(open));
  return s.substr(a, b + close.size() - a);
}

TEST(WsTrustSignature, GovmomiHolderOfKeyRsaSha256Verifies) {
  const Request req = parsed(go_hok(test_signer()));
  auto signer = signer_reference(req);
  ASSERT_TRUE(signer.has_value()) << signer.error();
  EXPECT_EQ(signer->kind, SignerKind::kBinarySecurityToken);
  EXPECT_EQ(signer->certificate, req.binary_security_token->certificate.get());
  EXPECT_TRUE(verify_request_signature(req, X509_get0_pubkey(signer->certificate)).has_value());
}

TEST(WsTrustSignature, PyHolderOfKeyWithBodyFirstReferencesVerifies) {
  const Request req =
      parsed(sign_envelope(py_hok_unsigned(test_signer()), test_signer().key.get(), py_bst_spec()));
  auto ok = verify_request_signature(req, test_signer().key.get());
  EXPECT_TRUE(ok.has_value()) << ok.error();
}

TEST(WsTrustSignature, PyActAsVerifies) {
  const Request req = parsed(sign_envelope(py_act_as_unsigned(test_signer(), test_assertion("_a")),
                                           test_signer().key.get(), py_bst_spec()));
  auto ok = verify_request_signature(req, test_signer().key.get());
  EXPECT_TRUE(ok.has_value()) << ok.error();
}

TEST(WsTrustSignature, GovmomiRenewVerifies) {
  const Request req = parsed(go_hok_with(go_spec(), go_renew_rst(test_assertion("_r"))));
  auto ok = verify_request_signature(req, test_signer().key.get());
  EXPECT_TRUE(ok.has_value()) << ok.error();
}

TEST(WsTrustSignature, PyTokenByTokenRsaSha512IsKeyedByTheHeaderAssertion) {
  const Request req = parsed(sign_envelope(py_token_by_token_unsigned(test_assertion("_hok1")),
                                           test_signer().key.get(), py_samlid_spec("_hok1")));
  auto signer = signer_reference(req);
  ASSERT_TRUE(signer.has_value()) << signer.error();
  EXPECT_EQ(signer->kind, SignerKind::kSamlAssertion);
  EXPECT_EQ(signer->assertion, req.header_assertion);
  auto ok = verify_request_signature(req, test_signer().key.get());
  EXPECT_TRUE(ok.has_value()) << ok.error();
  EXPECT_EQ(verify_request_signature(req, other_signer().key.get()).error().code,
            Errc::kSignatureInvalid);
}

TEST(WsTrustSignature, SignatureNotCoveringTheBodyIsRefused) {
  SignatureSpec spec = go_spec();
  spec.reference_ids = {"_ts1"};
  EXPECT_EQ(verify_error(go_hok_with(spec)), Errc::kSignatureInvalid);
  spec.reference_ids = {"_ts1", "_bst1"};
  EXPECT_EQ(verify_error(go_hok_with(spec)), Errc::kSignatureInvalid);
}

TEST(WsTrustSignature, SignatureOverTheBodyOnlyIsRefused) {
  SignatureSpec spec = go_spec();
  spec.reference_ids = {"_body1"};
  EXPECT_EQ(verify_error(go_hok_with(spec)), Errc::kSignatureInvalid);
}

TEST(WsTrustSignature, ExtraReferenceIsRefused) {
  SignatureSpec spec = go_spec();
  spec.reference_ids = {"_ts1", "_body1", "_bst1"};
  EXPECT_EQ(verify_error(go_hok_with(spec)), Errc::kSignatureInvalid);
}

TEST(WsTrustSignature, SignedRequestWithoutTimestampIsRefused) {
  SignatureSpec spec = go_spec();
  spec.reference_ids = {"_body1"};
  const std::string body = sign_envelope(
      replace_all(go_signed_unsigned(test_signer(), go_issue_rst()), go_timestamp(), ""),
      test_signer().key.get(), spec);
  EXPECT_EQ(verify_error(body), Errc::kSignatureInvalid);
}

// XSW: the signed Body is moved into a header block and a forged Body takes its place. The
// moved Body still matches its digest, so only the position check can catch it.
TEST(WsTrustSignature, SignedBodyMovedIntoAWrapperWithAForgedBodyIsRefused) {
  const std::string signed_request = go_hok(test_signer());
  const std::string body = between(signed_request, "<soap:Body", "</soap:Body>");
  std::string forged = replace_all(body, "_body1", "_forged");
  forged = replace_all(forged, "<Delegatable>true", "<Delegatable>false");
  std::string attack = replace_all(signed_request, body, forged);
  attack = replace_all(attack, "</soap:Header>",
                       "<x:Wrapper xmlns:x=\"urn:evil\">" + body + "</x:Wrapper></soap:Header>");
  const Request req = parsed(attack);
  xmlNode* moved = xml::element_by_id(req.doc.get(), "_body1");
  ASSERT_NE(moved, nullptr);
  ASSERT_NE(moved, req.body);
  // The wrapped Body really is what the signature covers...
  EXPECT_TRUE(xml::verify_references(req.doc.get(), req.signature->node,
                                     {moved, req.timestamp->node}, test_signer().key.get())
                  .has_value());
  // ...so the request must be refused for not covering the Envelope's Body.
  EXPECT_EQ(verify_request_signature(req, test_signer().key.get()).error().code,
            Errc::kSignatureInvalid);
}

TEST(WsTrustSignature, ForgedBodyWithoutIdNextToTheWrappedBodyIsRefused) {
  const std::string signed_request = go_hok(test_signer());
  const std::string body = between(signed_request, "<soap:Body", "</soap:Body>");
  std::string attack =
      replace_all(signed_request, body, replace_all(body, " wsu:Id=\"_body1\"", ""));
  attack = replace_all(attack, "</soap:Header>",
                       "<x:Wrapper xmlns:x=\"urn:evil\">" + body + "</x:Wrapper></soap:Header>");
  EXPECT_EQ(verify_error(attack), Errc::kSignatureInvalid);
}

TEST(WsTrustSignature, ForgedBodyReusingTheSignedIdIsRefusedAsDuplicate) {
  const std::string signed_request = go_hok(test_signer());
  const std::string body = between(signed_request, "<soap:Body", "</soap:Body>");
  const std::string attack =
      replace_all(signed_request, "</soap:Header>",
                  "<x:Wrapper xmlns:x=\"urn:evil\">" + body + "</x:Wrapper></soap:Header>");
  xml::XmlSecLibrary::ensure();
  auto r = parse_request(attack, "", xml::ParseLimits{});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kMalformedRequest);
}

TEST(WsTrustSignature, SignedBodyMovedIntoTheSecurityHeaderIsRefused) {
  const std::string signed_request = go_hok(test_signer());
  const std::string body = between(signed_request, "<soap:Body", "</soap:Body>");
  std::string attack = replace_all(signed_request, body, replace_all(body, "_body1", "_forged"));
  attack = replace_all(attack, "</wsse:Security>", body + "</wsse:Security>");
  xml::XmlSecLibrary::ensure();
  auto r = parse_request(attack, "", xml::ParseLimits{});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kUnsupported);
}

TEST(WsTrustSignature, SignedTimestampMovedIntoAWrapperWithAFreshOneIsRefused) {
  const std::string signed_request = go_hok(test_signer());
  const std::string fresh = replace_all(replace_all(go_timestamp("_ts2"), "10:00:00", "11:00:00"),
                                        "10:01:00", "11:01:00");
  std::string attack = replace_all(signed_request, go_timestamp(), fresh);
  attack = replace_all(
      attack, "</soap:Header>",
      "<x:Wrapper xmlns:x=\"urn:evil\">" + go_timestamp() + "</x:Wrapper></soap:Header>");
  EXPECT_EQ(verify_error(attack), Errc::kSignatureInvalid);
}

TEST(WsTrustSignature, Sha1SignatureIsAnUnsupportedAlgorithm) {
  EXPECT_EQ(verify_error(go_hok(test_signer(), SigAlg::kRsaSha1)), Errc::kUnsupportedAlgorithm);
}

TEST(WsTrustSignature, KeyInfoWithX509DataInsteadOfATokenReferenceIsRefused) {
  SignatureSpec spec = go_spec();
  spec.key_info = "<ds:X509Data><ds:X509Certificate>" + test_signer().cert_b64 +
                  "</ds:X509Certificate></ds:X509Data>";
  const Request req = parsed(go_hok_with(spec));
  EXPECT_EQ(req.signature->key_reference, KeyReferenceKind::kOther);
  EXPECT_EQ(signer_reference(req).error().code, Errc::kSignatureInvalid);
  EXPECT_EQ(verify_request_signature(req, test_signer().key.get()).error().code,
            Errc::kSignatureInvalid);
}

TEST(WsTrustSignature, MissingKeyInfoOrReferenceToAnotherElementIsRefused) {
  SignatureSpec spec = go_spec();
  spec.key_info.clear();
  EXPECT_EQ(verify_error(go_hok_with(spec)), Errc::kSignatureInvalid);
  spec.key_info = replace_all(go_spec().key_info, "#_bst1", "#_ts1");
  EXPECT_EQ(verify_error(go_hok_with(spec)), Errc::kSignatureInvalid);
}

TEST(WsTrustSignature, SamlIdNotNamingTheHeaderAssertionIsRefused) {
  const std::string body = sign_envelope(py_token_by_token_unsigned(test_assertion("_hok1")),
                                         test_signer().key.get(), py_samlid_spec("_elsewhere"));
  EXPECT_EQ(signer_reference(parsed(body)).error().code, Errc::kSignatureInvalid);
  EXPECT_EQ(verify_error(body), Errc::kSignatureInvalid);
}

TEST(WsTrustSignature, BodyTamperedAfterSigningIsSignatureInvalid) {
  const std::string body =
      replace_all(go_hok(test_signer()), "<Delegatable>true", "<Delegatable>false");
  EXPECT_EQ(verify_error(body), Errc::kSignatureInvalid);
}

TEST(WsTrustSignature, KeyOtherThanTheTokensIsRefused) {
  EXPECT_EQ(verify_error(go_hok(test_signer()), other_signer().key.get()), Errc::kSignatureInvalid);
  // Signed by an intruder who presents the solution user's certificate.
  const std::string body = sign_envelope(go_signed_unsigned(test_signer(), go_issue_rst()),
                                         other_signer().key.get(), go_spec());
  EXPECT_EQ(verify_error(body), Errc::kSignatureInvalid);
}

TEST(WsTrustSignature, UseKeyMustNameTheRequestSignature) {
  const std::string rst = replace_all(go_issue_rst(), "Sig=\"_sig1\"", "Sig=\"_other\"");
  EXPECT_EQ(verify_error(go_hok_with(go_spec(), rst)), Errc::kSignatureInvalid);
  SignatureSpec no_id = go_spec();
  no_id.id.clear();
  EXPECT_EQ(verify_error(go_hok_with(no_id)), Errc::kSignatureInvalid);
}

TEST(WsTrustSignature, UnsignedRequestHasNoSignerAndNothingToVerify) {
  const Request req = parsed(py_bearer("u", "p"));
  EXPECT_EQ(signer_reference(req).error().code, Errc::kSignatureInvalid);
  EXPECT_EQ(verify_request_signature(req, test_signer().key.get()).error().code,
            Errc::kSignatureInvalid);
  EXPECT_EQ(verify_request_signature(req, nullptr).error().code, Errc::kInvalidArgument);
}

}  // namespace
}  // namespace sigil::sts::wstrust
