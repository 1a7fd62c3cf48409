// Requests captured from the real govmomi 0.24.2 sts client (Debian golang-github-vmware-
// govmomi-dev; data/govmomi-0.24/capture.go.txt): they parse, and the signed ones verify. The
// ActAs and Renew captures carry a token in the shape of docs/reference/wstrust.md §3.3, which
// govmomi digests through its own re-serialisation (Assertion.C14N); that they verify with plain
// exc-c14n shows the shape survives the round trip (docs/reference/wstrust.md §6.1).
#include <chrono>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "sigil/saml/names.hpp"
#include "sigil/xml/library.hpp"
#include "sigil/xml/tree.hpp"
#include "sts/wstrust/request.hpp"
#include "sts/wstrust/security.hpp"

namespace sigil::sts::wstrust {
namespace {

std::string read_capture(const std::string& file) {
  const std::string path =
      std::string(SIGIL_SOURCE_DIR) + "/tests/unit/services/sts/wstrust/data/govmomi-0.24/" + file;
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

Request parse_capture(const std::string& name) {
  xml::XmlSecLibrary::ensure();
  auto r = parse_request(read_capture(name + ".xml"), read_capture(name + ".action"),
                         xml::ParseLimits{});
  EXPECT_TRUE(r.has_value()) << name << ": " << r.error();
  return r ? std::move(r).value() : Request{};
}

// The capture's signature with the key of its own BinarySecurityToken, and its Timestamp one
// second after it was created.
void expect_verifies(const Request& req) {
  auto signer = signer_reference(req);
  ASSERT_TRUE(signer.has_value()) << signer.error();
  ASSERT_EQ(signer->kind, SignerKind::kBinarySecurityToken);
  auto ok = verify_request_signature(req, X509_get0_pubkey(signer->certificate));
  EXPECT_TRUE(ok.has_value()) << ok.error();
  const TimePoint now = req.timestamp->created + std::chrono::seconds(1);
  TimestampPolicy policy;
  policy.clock_tolerance = std::chrono::seconds(0);
  EXPECT_TRUE(check_timestamp(req, now, policy, true).has_value());
}

TEST(WsTrustGovmomiCapture, BearerIssueParses) {
  const Request req = parse_capture("bearer");
  ASSERT_NE(req.doc, nullptr);
  EXPECT_EQ(req.kind, RequestKind::kIssue);
  EXPECT_EQ(req.username_token->username, "administrator@vsphere.local");
  EXPECT_EQ(req.username_token->password.view(), "secret");
  EXPECT_FALSE(req.delegatable.has_value());
  EXPECT_EQ(*req.key_type, KeyType::kBearer);
  EXPECT_FALSE(req.signature.has_value());
}

TEST(WsTrustGovmomiCapture, HolderOfKeyIssueVerifies) {
  const Request req = parse_capture("hok");
  ASSERT_NE(req.doc, nullptr);
  EXPECT_EQ(*req.key_type, KeyType::kPublicKey);
  EXPECT_TRUE(*req.delegatable);
  EXPECT_EQ(req.use_key_sig, std::optional<std::string>(req.signature->id));
  expect_verifies(req);
}

TEST(WsTrustGovmomiCapture, HolderOfKeyForUserCarriesBothCredentialsAndVerifies) {
  const Request req = parse_capture("hok_user");
  ASSERT_NE(req.doc, nullptr);
  EXPECT_EQ(req.username_token->username, "administrator@vsphere.local");
  expect_verifies(req);
}

TEST(WsTrustGovmomiCapture, ActAsIssueVerifies) {
  const Request req = parse_capture("actas");
  ASSERT_NE(req.doc, nullptr);
  ASSERT_NE(req.act_as, nullptr);
  EXPECT_TRUE(xml::is_element(req.act_as->parent, saml::ns::kWst14, "ActAs"));
  EXPECT_EQ(xml::attribute_value(xml::find_attribute(req.act_as, "", "ID")),
            "_91d5e7b0-6a53-4c1e-9f0a-3f7c2b1a8e21");
  expect_verifies(req);
}

TEST(WsTrustGovmomiCapture, RenewVerifies) {
  const Request req = parse_capture("renew");
  ASSERT_NE(req.doc, nullptr);
  EXPECT_EQ(req.kind, RequestKind::kRenew);
  EXPECT_NE(req.renew_target, nullptr);
  expect_verifies(req);
}

}  // namespace
}  // namespace sigil::sts::wstrust
