// parse_request: the request shapes pyVmomi 7.0 and govmomi 0.24 send, and the shape rules.
#include "sts/wstrust/request.hpp"

#include <gtest/gtest.h>

#include "sigil/base/time_format.hpp"
#include "sigil/xml/tree.hpp"
#include "wstrust_fixtures.hpp"

namespace sigil::sts::wstrust {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace): this suite's fixtures

constexpr std::string_view kIssueAction = saml::uri::kWstActionIssue;

Result<Request> parse(std::string_view body, std::string_view action = kIssueAction) {
  xml::XmlSecLibrary::ensure();
  return parse_request(body, action, xml::ParseLimits{});
}

Errc error_of(std::string_view body, std::string_view action = kIssueAction) {
  auto r = parse(body, action);
  EXPECT_FALSE(r.has_value());
  return r ? Errc::kInternal : r.error().code;
}

TimePoint at(std::string_view text) { return parse_time(text).value(); }

TEST(WsTrustRequest, PyBearerIsAnIssueWithPasswordAndTimestamp) {
  auto r = parse(py_bearer("administrator@vsphere.local", "s&amp;cr&lt;t\"x"), kIssueAction);
  ASSERT_TRUE(r.has_value()) << r.error();
  EXPECT_EQ(r->kind, RequestKind::kIssue);
  EXPECT_EQ(r->soap_action, kIssueAction);
  EXPECT_EQ(r->token_type, saml::uri::kTokenTypeSaml2);
  ASSERT_TRUE(r->key_type.has_value());
  EXPECT_EQ(*r->key_type, KeyType::kBearer);
  ASSERT_TRUE(r->delegatable.has_value());
  EXPECT_FALSE(*r->delegatable);
  ASSERT_TRUE(r->renewing.has_value());
  EXPECT_FALSE(r->renewing->allow);
  EXPECT_FALSE(r->renewing->ok);
  ASSERT_TRUE(r->lifetime.has_value());
  EXPECT_EQ(r->lifetime->created, at(kLifeCreated));
  EXPECT_EQ(r->lifetime->expires, at(kLifeExpires));
  EXPECT_EQ(r->signature_algorithm, saml::uri::kRsaSha256);
  ASSERT_TRUE(r->username_token.has_value());
  EXPECT_EQ(r->username_token->username, "administrator@vsphere.local");
  EXPECT_EQ(r->username_token->password.view(), "s&cr<t\"x");
  ASSERT_TRUE(r->timestamp.has_value());
  EXPECT_EQ(r->timestamp->id, "_ts1");
  EXPECT_EQ(r->timestamp->created, at(kTsCreated));
  EXPECT_EQ(r->timestamp->expires, at(kTsExpires));
  EXPECT_FALSE(r->signature.has_value());
  EXPECT_FALSE(r->binary_security_token.has_value());
  EXPECT_FALSE(r->use_key_sig.has_value());
  EXPECT_TRUE(xml::is_element(r->rst, saml::ns::kWst, "RequestSecurityToken"));
  EXPECT_EQ(r->rst->parent, r->body);
  EXPECT_EQ(r->body->parent, r->envelope);
}

TEST(WsTrustRequest, GoBearerWithDefaultNamespacesAndNoDelegatableParses) {
  auto r = parse(go_bearer("administrator@vsphere.local", "pa&lt;ss"),
                 "\"http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue\"");
  ASSERT_TRUE(r.has_value()) << r.error();
  EXPECT_EQ(r->kind, RequestKind::kIssue);
  EXPECT_EQ(r->soap_action, kIssueAction);
  EXPECT_FALSE(r->delegatable.has_value());
  ASSERT_TRUE(r->lifetime.has_value());
  EXPECT_EQ(r->lifetime->expires, at(kLifeExpires));
  EXPECT_EQ(r->username_token->password.view(), "pa<ss");
  EXPECT_EQ(*r->key_type, KeyType::kBearer);
}

TEST(WsTrustRequest, EmptyOrQuotedEmptySoapActionIsAccepted) {
  EXPECT_TRUE(parse(py_bearer("u", "p"), "").has_value());
  EXPECT_TRUE(parse(py_bearer("u", "p"), "\"\"").has_value());
  EXPECT_TRUE(parse(py_bearer("u", "p"), " \"" + std::string(kIssueAction) + "\" ").has_value());
}

TEST(WsTrustRequest, PyHolderOfKeyCarriesCertificateSignatureAndUseKey) {
  const std::string body =
      sign_envelope(py_hok_unsigned(test_signer()), test_signer().key.get(), py_bst_spec());
  auto r = parse(body);
  ASSERT_TRUE(r.has_value()) << r.error();
  EXPECT_EQ(*r->key_type, KeyType::kPublicKey);
  ASSERT_TRUE(r->binary_security_token.has_value());
  EXPECT_EQ(r->binary_security_token->id, "_bst1");
  EXPECT_EQ(X509_cmp(r->binary_security_token->certificate.get(), test_signer().cert.get()), 0);
  ASSERT_TRUE(r->signature.has_value());
  EXPECT_EQ(r->signature->id, "_sig1");
  EXPECT_EQ(r->signature->key_reference, KeyReferenceKind::kSecurityTokenReference);
  EXPECT_EQ(r->signature->key_reference_target, "_bst1");
  EXPECT_EQ(r->use_key_sig, std::optional<std::string>("_sig1"));
  EXPECT_FALSE(r->username_token.has_value());
}

TEST(WsTrustRequest, GoHolderOfKeyForInteractiveUserCarriesUsernameTokenNextToCertificate) {
  const std::string user =
      "<wsse:UsernameToken><wsse:Username>jane@vsphere.local</wsse:Username>"
      "<wsse:Password>pw</wsse:Password></wsse:UsernameToken>";
  const std::string body = sign_envelope(go_signed_unsigned(test_signer(), go_issue_rst(), user),
                                         test_signer().key.get(), go_spec());
  auto r = parse(body);
  ASSERT_TRUE(r.has_value()) << r.error();
  EXPECT_EQ(r->username_token->username, "jane@vsphere.local");
  EXPECT_TRUE(r->binary_security_token.has_value());
  EXPECT_TRUE(*r->delegatable);
}

TEST(WsTrustRequest, ActAsIn200802NamespaceYieldsTheDelegatedAssertion) {
  const std::string body = sign_envelope(py_act_as_unsigned(test_signer(), test_assertion("_act1")),
                                         test_signer().key.get(), py_bst_spec());
  auto r = parse(body);
  ASSERT_TRUE(r.has_value()) << r.error();
  ASSERT_NE(r->act_as, nullptr);
  EXPECT_TRUE(xml::is_element(r->act_as, saml::ns::kSaml2, "Assertion"));
  EXPECT_TRUE(xml::is_element(r->act_as->parent, saml::ns::kWst14, "ActAs"));
  EXPECT_EQ(r->use_key_sig, std::optional<std::string>("_sig1"));
  EXPECT_TRUE(*r->delegatable);
}

TEST(WsTrustRequest, ActAsInTheWsTrust13NamespaceIsAnUnknownChild) {
  std::string body = py_bearer("u", "p");
  body = replace_all(body, "<KeyType>",
                     cat({R"(<ActAs xmlns=")", saml::ns::kWst, R"(">)", test_assertion("_a"),
                          "</ActAs><KeyType>"}));
  EXPECT_EQ(error_of(body), Errc::kMalformedRequest);
}

TEST(WsTrustRequest, ActAsMustHoldExactlyOneAssertion) {
  const std::string two = test_assertion("_a1") + test_assertion("_a2");
  EXPECT_EQ(error_of(replace_all(py_act_as_unsigned(test_signer(), two), "@SIGNATURE@", "")),
            Errc::kMalformedRequest);
  EXPECT_EQ(error_of(replace_all(py_act_as_unsigned(test_signer(), "<x:Other xmlns:x=\"urn:x\"/>"),
                                 "@SIGNATURE@", "")),
            Errc::kMalformedRequest);
}

TEST(WsTrustRequest, GoRenewWithUseKeyBeforeRenewTargetIsARenew) {
  const std::string body =
      sign_envelope(go_signed_unsigned(test_signer(), go_renew_rst(test_assertion("_r1"))),
                    test_signer().key.get(), go_spec());
  auto r = parse(body, saml::uri::kWstActionRenew);  // govmomi sends it unquoted
  ASSERT_TRUE(r.has_value()) << r.error();
  EXPECT_EQ(r->kind, RequestKind::kRenew);
  ASSERT_NE(r->renew_target, nullptr);
  EXPECT_EQ(xml::attribute_value(xml::find_attribute(r->renew_target, "", "ID")), "_r1");
  EXPECT_FALSE(r->key_type.has_value());
  EXPECT_FALSE(r->renewing.has_value());
}

TEST(WsTrustRequest, PyTokenByTokenIsAnIssueKeyedByTheHeaderAssertion) {
  const std::string body = sign_envelope(py_token_by_token_unsigned(test_assertion("_hok1")),
                                         test_signer().key.get(), py_samlid_spec("_hok1"));
  auto r = parse(body);  // pyVmomi always says RST/Issue, and this is an Issue
  ASSERT_TRUE(r.has_value()) << r.error();
  EXPECT_EQ(r->kind, RequestKind::kIssue);
  EXPECT_EQ(r->header_assertion_id, "_hok1");
  ASSERT_TRUE(r->signature.has_value());
  EXPECT_EQ(r->signature->id, "");
  EXPECT_EQ(r->signature->key_reference, KeyReferenceKind::kSamlId);
  EXPECT_EQ(r->signature->key_reference_target, "_hok1");
  EXPECT_FALSE(r->use_key_sig.has_value());
}

TEST(WsTrustRequest, ValidateReadsTheValidateTarget) {
  auto r = parse(validate_request(test_assertion("_v1")), saml::uri::kWstActionValidate);
  ASSERT_TRUE(r.has_value()) << r.error();
  EXPECT_EQ(r->kind, RequestKind::kValidate);
  EXPECT_EQ(r->token_type, saml::uri::kWstTokenTypeStatus);
  ASSERT_NE(r->validate_target, nullptr);
}

TEST(WsTrustRequest, ParticipantsBecomeTheAudience) {
  const std::string participants = cat(
      {R"(<Participants><Primary><wsa:EndpointReference xmlns:wsa=")", saml::ns::kWsa,
       R"("><wsa:Address>https://vc.example/sdk</wsa:Address></wsa:EndpointReference></Primary>)",
       R"(<Participant><EndpointReference xmlns=")", saml::ns::kWsa,
       R"("><Address>urn:other</Address></EndpointReference></Participant></Participants>)"});
  auto r = parse(replace_all(py_bearer("u", "p"), "<KeyType>", participants + "<KeyType>"));
  ASSERT_TRUE(r.has_value()) << r.error();
  EXPECT_EQ(r->audience, (std::vector<std::string>{"https://vc.example/sdk", "urn:other"}));
}

TEST(WsTrustRequest, WsaActionHeaderMustMatchTheRequestType) {
  const auto with_action = [](std::string_view action) {
    return replace_all(py_bearer("u", "p"), "<SOAP-ENV:Header>",
                       cat({R"(<SOAP-ENV:Header><wsa:Action xmlns:wsa=")", saml::ns::kWsa, R"(">)",
                            action, "</wsa:Action>"}));
  };
  EXPECT_TRUE(parse(with_action(kIssueAction)).has_value());
  auto r = parse(with_action(saml::uri::kWstActionValidate));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kMalformedRequest);
}

TEST(WsTrustRequest, RequestTypeNotMatchingSoapActionIsMalformed) {
  auto r = parse(py_bearer("u", "p"), saml::uri::kWstActionRenew);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kMalformedRequest);
  EXPECT_EQ(r.error().message, "RequestType does not match SOAPAction");
  EXPECT_EQ(error_of(py_bearer("u", "p"), "urn:something-else"), Errc::kMalformedRequest);
}

TEST(WsTrustRequest, HeaderThatMustBeUnderstoodIsUnsupportedOtherwiseIgnored) {
  const auto with_block = [](std::string_view attrs) {
    return replace_all(py_bearer("u", "p"), "<SOAP-ENV:Header>",
                       cat({R"(<SOAP-ENV:Header><x:Trace xmlns:x="urn:x")", attrs, "/>"}));
  };
  EXPECT_TRUE(parse(with_block("")).has_value());
  EXPECT_EQ(error_of(with_block(R"( SOAP-ENV:mustUnderstand="1")")), Errc::kUnsupported);
}

}  // namespace
}  // namespace sigil::sts::wstrust
