// parse_request refusals: parser attacks, shape violations and unsupported requests, each with
// its precise Errc (docs/reference/threats.md §2.2 "Be strict about shape first").
#include <gtest/gtest.h>

#include "sts/wstrust/request.hpp"
#include "wstrust_fixtures.hpp"

namespace sigil::sts::wstrust {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace): this suite's fixtures

Errc error_of(std::string_view body, const xml::ParseLimits& limits = {}) {
  xml::XmlSecLibrary::ensure();
  auto r = parse_request(body, saml::uri::kWstActionIssue, limits);
  EXPECT_FALSE(r.has_value()) << "accepted: " << body;
  return r ? Errc::kInternal : r.error().code;
}

std::string bearer() { return py_bearer("administrator@vsphere.local", "secret"); }

// The bearer request with `from` replaced by `to` (which must occur).
std::string bearer_with(std::string_view from, std::string_view to) {
  const std::string base = bearer();
  EXPECT_NE(base.find(from), std::string::npos) << from;
  return replace_all(base, from, to);
}

TEST(WsTrustRequestShape, DoctypeIsRefused) {
  EXPECT_EQ(error_of("<!DOCTYPE x [<!ELEMENT x ANY>]>" + bearer()), Errc::kMalformedRequest);
}

TEST(WsTrustRequestShape, EntityDeclarationAndReferenceAreRefused) {
  const std::string xxe =
      "<?xml version=\"1.0\"?><!DOCTYPE e [<!ENTITY x SYSTEM "
      "\"file:///etc/passwd\">]>" +
      bearer_with("<ns2:Username>", "<ns2:Username>&x;");
  EXPECT_EQ(error_of(xxe), Errc::kMalformedRequest);
  EXPECT_EQ(error_of(bearer_with("secret</ns2:Password>", "&x;</ns2:Password>")),
            Errc::kMalformedRequest);  // an undeclared entity is not well-formed
}

TEST(WsTrustRequestShape, OversizeBodyIsPayloadTooLarge) {
  xml::ParseLimits limits;
  limits.max_bytes = 1024;
  EXPECT_EQ(error_of(bearer(), limits), Errc::kPayloadTooLarge);
  limits = {};
  limits.max_depth = 3;
  EXPECT_EQ(error_of(bearer(), limits), Errc::kPayloadTooLarge);
}

TEST(WsTrustRequestShape, NotASoap11EnvelopeIsMalformed) {
  EXPECT_EQ(
      error_of(replace_all(bearer(), saml::ns::kSoap, "http://www.w3.org/2003/05/soap-envelope")),
      Errc::kMalformedRequest);
  EXPECT_EQ(error_of("<RequestSecurityToken xmlns=\"" + std::string(saml::ns::kWst) + "\"/>"),
            Errc::kMalformedRequest);
}

TEST(WsTrustRequestShape, TwoRequestSecurityTokensAreRefused) {
  const std::string body = bearer();
  const size_t start = body.find("<RequestSecurityToken");
  const size_t end = body.find("</SOAP-ENV:Body>");
  const std::string rst = body.substr(start, end - start);
  EXPECT_EQ(error_of(bearer_with("</SOAP-ENV:Body>", rst + "</SOAP-ENV:Body>")),
            Errc::kMalformedRequest);
}

TEST(WsTrustRequestShape, AnythingBesideTheRstInBodyOrEnvelopeIsRefused) {
  EXPECT_EQ(error_of(bearer_with("</SOAP-ENV:Body>", "<x xmlns=\"urn:x\"/></SOAP-ENV:Body>")),
            Errc::kMalformedRequest);
  EXPECT_EQ(error_of(bearer_with("</SOAP-ENV:Envelope>", "<x/></SOAP-ENV:Envelope>")),
            Errc::kMalformedRequest);
  EXPECT_EQ(error_of(bearer_with("</SOAP-ENV:Body>", "text</SOAP-ENV:Body>")),
            Errc::kMalformedRequest);
}

TEST(WsTrustRequestShape, TwoAssertionsInTheSecurityHeaderAreRefused) {
  const std::string two = test_assertion("_a1") + test_assertion("_a2");
  EXPECT_EQ(error_of(bearer_with("</ns6:Security>", two + "</ns6:Security>")),
            Errc::kMalformedRequest);
}

TEST(WsTrustRequestShape, SecondSecurityHeaderOrTimestampIsRefused) {
  EXPECT_EQ(error_of(bearer_with("</SOAP-ENV:Header>",
                                 cat({R"(<wsse:Security xmlns:wsse=")", saml::ns::kWsse,
                                      R"("/></SOAP-ENV:Header>)"}))),
            Errc::kMalformedRequest);
  EXPECT_EQ(error_of(bearer_with("</ns6:Security>", py_timestamp("_ts2") + "</ns6:Security>")),
            Errc::kMalformedRequest);
}

TEST(WsTrustRequestShape, DuplicateWsuIdIsRefused) {
  EXPECT_EQ(error_of(bearer_with("wsu:Id=\"_body1\"", "wsu:Id=\"_ts1\"")), Errc::kMalformedRequest);
}

TEST(WsTrustRequestShape, DuplicateIdAcrossSpellingsIsRefused) {
  EXPECT_EQ(error_of(bearer_with("</ns6:Security>", test_assertion("_body1") + "</ns6:Security>")),
            Errc::kMalformedRequest);
  EXPECT_EQ(
      error_of(bearer_with("<RequestSecurityToken ", "<RequestSecurityToken xml:id=\"_ts1\" ")),
      Errc::kMalformedRequest);
}

TEST(WsTrustRequestShape, UnknownRstChildIsMalformed) {
  EXPECT_EQ(error_of(bearer_with("<KeyType>", "<Frobnicate>1</Frobnicate><KeyType>")),
            Errc::kMalformedRequest);
  EXPECT_EQ(
      error_of(bearer_with("<KeyType>", "<x:KeyType xmlns:x=\"urn:x\">b</x:KeyType><KeyType>")),
      Errc::kMalformedRequest);
}

TEST(WsTrustRequestShape, RepeatedRstChildIsMalformed) {
  EXPECT_EQ(error_of(bearer_with("<Delegatable>", "<Delegatable>true</Delegatable><Delegatable>")),
            Errc::kMalformedRequest);
}

TEST(WsTrustRequestShape, BinaryExchangeIsUnsupported) {
  EXPECT_EQ(error_of(bearer_with("<KeyType>",
                                 "<BinaryExchange ValueType=\"http://schemas.xmlsoap.org/ws/"
                                 "2005/02/trust/spnego\">YII=</BinaryExchange><KeyType>")),
            Errc::kUnsupported);
}

TEST(WsTrustRequestShape, MissingRequestTypeIsMalformedAndCancelUnsupported) {
  const std::string issue =
      "<RequestType>" + std::string(saml::uri::kWstRequestIssue) + "</RequestType>";
  EXPECT_EQ(error_of(bearer_with(issue, "")), Errc::kMalformedRequest);
  EXPECT_EQ(error_of(bearer_with(issue, "<RequestType>urn:nonsense</RequestType>")),
            Errc::kMalformedRequest);
  EXPECT_EQ(error_of(bearer_with(saml::uri::kWstRequestIssue, saml::uri::kWstRequestCancel)),
            Errc::kUnsupported);
}

TEST(WsTrustRequestShape, RenewTargetOutsideRenewIsMalformed) {
  EXPECT_EQ(error_of(bearer_with(
                "<KeyType>", "<RenewTarget>" + test_assertion("_r") + "</RenewTarget><KeyType>")),
            Errc::kMalformedRequest);
}

TEST(WsTrustRequestShape, PasswordDigestIsUnsupported) {
  EXPECT_EQ(error_of(bearer_with("<ns2:Password>",
                                 "<ns2:Password Type=\"http://docs.oasis-open.org/wss/2004/01/"
                                 "oasis-200401-wss-username-token-profile-1.0#PasswordDigest\">")),
            Errc::kUnsupported);
}

TEST(WsTrustRequestShape, PasswordTextTypeIsAccepted) {
  xml::XmlSecLibrary::ensure();
  const std::string body = bearer_with(
      "<ns2:Password>", "<ns2:Password Type=\"" + std::string(saml::uri::kWssPasswordText) + "\">");
  EXPECT_TRUE(parse_request(body, "", {}).has_value());
}

TEST(WsTrustRequestShape, CommentSplittingAUsernameIsRefused) {
  EXPECT_EQ(
      error_of(bearer_with("administrator@vsphere.local", "administrator<!---->@vsphere.local")),
      Errc::kMalformedRequest);
}

TEST(WsTrustRequestShape, ZonelessOrMalformedTimesAreMalformed) {
  EXPECT_EQ(error_of(bearer_with("<ns3:Created>2026-01-02T10:00:00.123Z",
                                 "<ns3:Created>2026-01-02T10:00:00.123")),
            Errc::kMalformedRequest);
  EXPECT_EQ(error_of(bearer_with(">2026-01-02T10:10:00.123Z<", ">tomorrow<")),
            Errc::kMalformedRequest);
}

TEST(WsTrustRequestShape, TimestampWithoutExpiresIsMalformed) {
  EXPECT_EQ(error_of(bearer_with(cat({"<ns3:Expires>", kTsExpires, "</ns3:Expires>"}), "")),
            Errc::kMalformedRequest);
}

TEST(WsTrustRequestShape, LifetimeEndingBeforeItStartsIsAnInvalidTimeRange) {
  EXPECT_EQ(error_of(bearer_with(cat({">", kLifeExpires, "<"}), cat({">", kLifeCreated, "<"}))),
            Errc::kInvalidTimeRange);
}

TEST(WsTrustRequestShape, SymmetricKeyIsUnsupportedAndUnknownKeyTypeMalformed) {
  EXPECT_EQ(error_of(bearer_with(saml::uri::kWstKeyTypeBearer, saml::uri::kWstKeyTypeSymmetricKey)),
            Errc::kUnsupported);
  EXPECT_EQ(error_of(bearer_with(saml::uri::kWstKeyTypeBearer, "urn:x")), Errc::kMalformedRequest);
}

TEST(WsTrustRequestShape, WeakRequestedSignatureAlgorithmIsUnsupportedAlgorithm) {
  EXPECT_EQ(
      error_of(bearer_with(saml::uri::kRsaSha256, "http://www.w3.org/2000/09/xmldsig#rsa-sha1")),
      Errc::kUnsupportedAlgorithm);
}

TEST(WsTrustRequestShape, NonBooleanDelegatableIsMalformed) {
  EXPECT_EQ(error_of(bearer_with("<Delegatable>false", "<Delegatable>yes")),
            Errc::kMalformedRequest);
}

TEST(WsTrustRequestShape, UnknownSecurityHeaderElementIsUnsupported) {
  EXPECT_EQ(error_of(bearer_with("</ns6:Security>",
                                 "<xenc:EncryptedKey xmlns:xenc=\"http://www.w3.org/2001/04/"
                                 "xmlenc#\"/></ns6:Security>")),
            Errc::kUnsupported);
}

TEST(WsTrustRequestShape, BinarySecurityTokenMustBeAnX509Certificate) {
  const std::string hok = replace_all(py_hok_unsigned(test_signer()), "@SIGNATURE@", "");
  const auto errc = [&](std::string_view from, std::string_view to) {
    return error_of(replace_all(hok, from, to));
  };
  EXPECT_EQ(errc(test_signer().cert_b64, "bm90IGEgY2VydA=="), Errc::kMalformedRequest);
  EXPECT_EQ(errc(test_signer().cert_b64, "%%%"), Errc::kMalformedRequest);
  EXPECT_EQ(errc(saml::uri::kWssX509v3,
                 "http://docs.oasis-open.org/wss/2004/01/"
                 "oasis-200401-wss-x509-token-profile-1.0#X509PKIPathv1"),
            Errc::kUnsupported);
  EXPECT_EQ(errc(" ns1:Id=\"_bst1\"", ""), Errc::kMalformedRequest);
}

TEST(WsTrustRequestShape, UseKeyCarryingAKeyIsUnsupported) {
  const std::string hok = replace_all(py_hok_unsigned(test_signer()), "@SIGNATURE@", "");
  EXPECT_EQ(error_of(replace_all(hok, "<UseKey Sig=\"_sig1\"/>",
                                 "<UseKey><x:Key xmlns:x=\"urn:x\"/></UseKey>")),
            Errc::kUnsupported);
  EXPECT_EQ(error_of(replace_all(hok, "<UseKey Sig=\"_sig1\"/>", "<UseKey/>")),
            Errc::kMalformedRequest);
}

}  // namespace
}  // namespace sigil::sts::wstrust
