// Parser and HTTP attacks (docs/reference/threats.md §1.8, §1.12) sent over HTTPS to a running
// sigil-sts, beyond the DOCTYPE/XXE and Content-Length cases of wstrust_faults_test.cpp: entity
// bombs, parameter and undeclared entities, XInclude, depth and node-count limits inside a token
// in Validate, and an oversize chunked body. Each gets its fault (or 413), nothing validates or
// is issued, and the server keeps issuing.
#include <gtest/gtest.h>

#include "sts_attack_fixture.hpp"

namespace sigil::testing {
namespace {

using ParserAndHttpAttacks = StsAttackTest;

TEST_F(ParserAndHttpAttacks, ParserAttacksInValidateAreRefused) {
  std::string token = bearer_token("alice");
  const double valid = metric("sigil_token_validations_total", "result=\"valid\"");
  auto validate_body = [&](const std::string& prolog, const std::string& t) {
    RstSpec rst;
    rst.request_type = "Validate";
    rst.key_type.clear();
    rst.validate_target = t;
    Credential none;
    none.timestamp = false;
    return prolog + request(rst, none);
  };
  // Billion laughs, an external entity and a parameter entity: all stop at the
  // DOCTYPE.
  std::string laughs =
      "<!DOCTYPE S:Envelope [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b "
      "\"&a;&a;&a;&a;"
      "&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]>";
  expect_fault(post(validate_body(laughs, replace_once(token, alice_upn(), "&c;")), "Validate"),
               "InvalidRequest");
  expect_fault(post(validate_body("<!DOCTYPE S:Envelope [<!ENTITY % p SYSTEM "
                                  "\"http://127.0.0.1:1/x\"> %p;]>",
                                  token),
                    "Validate"),
               "InvalidRequest");
  // An undeclared entity without a DOCTYPE, and XInclude, are not expanded
  // either.
  expect_fault(post(validate_body("", replace_once(token, alice_upn(), "&xxe;")), "Validate"),
               "InvalidRequest");
  Answer xinclude = post(validate_body("", replace_once(token, alice_upn(),
                                                        "<xi:include xmlns:xi=\"http://www.w3.org/"
                                                        "2001/XInclude\" href=\"/etc/passwd\"/>")),
                         "Validate");
  EXPECT_EQ(xinclude.body.find("root:"), std::string::npos) << xinclude.body;
  EXPECT_EQ(xinclude.body.find("/status/valid<"), std::string::npos) << xinclude.body;
  // Depth and node-count limits (64 levels, 20 000 nodes) inside a body under 1
  // MiB.
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "<d>";
  for (int i = 0; i < 100; ++i) deep += "</d>";
  expect_fault(post(validate_body("", replace_once(token, alice_upn(), deep)), "Validate"),
               "InvalidRequest");
  std::string wide;
  for (int i = 0; i < 30000; ++i) wide += "<w/>";
  expect_fault(post(validate_body("", replace_once(token, alice_upn(), wide)), "Validate"),
               "InvalidRequest");
  EXPECT_EQ(metric("sigil_token_validations_total", "result=\"valid\""), valid);
  expect_still_issuing();
  EXPECT_TRUE(validates(token));
}

TEST_F(ParserAndHttpAttacks, OversizeChunkedBodyIsRefusedWhileStreaming) {
  // No Content-Length: the limit is enforced while the chunked body arrives.
  write_file("big.xml", std::string(3 << 20, 'x'));
  auto r = run({"curl", "-sS", "--max-time", "20", "--cacert", *home_ + "/tls/server.crt", "-H",
                "Transfer-Encoding: chunked", "-H", "Content-Type: text/xml", "--data-binary",
                "@" + path("big.xml"), "-o", "/dev/null", "-w", "%{http_code}",
                "https://127.0.0.1:" + std::to_string(port_) + "/sts/STSService/vsphere.local"});
  EXPECT_EQ(r.out, "413") << r.err;
  expect_still_issuing();
}

}  // namespace
}  // namespace sigil::testing
