// Sigil's XML-DSig against the xmlsec1 command-line tool, in both directions.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>

#include <gtest/gtest.h>
#include <openssl/pem.h>

#include "sigil/xml/c14n.hpp"
#include "sigil/xml/dsig.hpp"
#include "sigil/xml/tree.hpp"
#include "xml_test_support.hpp"

namespace sigil::xml {
namespace {

namespace fs = std::filesystem;
using test::kSaml2Ns;
using test::test_keys;

const std::string kIdAttr = "--id-attr:ID " + std::string(kSaml2Ns) + ":Assertion";

struct CommandResult {
  int status = -1;
  std::string output;  // stdout and stderr
};

CommandResult run(const std::string& command) {
  CommandResult r;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return r;
  char buf[4096];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) r.output.append(buf, n);
  const int raw = pclose(pipe);
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return r;
}

void write_file(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

std::string read_file(const fs::path& path) {
  std::ostringstream out;
  out << std::ifstream(path, std::ios::binary).rdbuf();
  return out.str();
}

std::string pem_of(const std::function<int(BIO*)>& write) {
  crypto::BioPtr bio(BIO_new(BIO_s_mem()));
  write(bio.get());
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

class Xmlsec1Interop : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    XmlSecLibrary::ensure();
    test_keys();
  }

  void SetUp() override {
    std::string templ = (fs::temp_directory_path() / "sigil-xml-interop-XXXXXX").string();
    ASSERT_NE(mkdtemp(templ.data()), nullptr);
    dir_ = templ;
    write_credential("rsa", test_keys().rsa);
    write_credential("ec", test_keys().ec);
    write_file(dir_ / "ca.pem",
               pem_of([](BIO* b) { return PEM_write_bio_X509(b, test_keys().ca.cert.get()); }));
  }

  void TearDown() override { fs::remove_all(dir_); }

  void write_credential(const std::string& name, const test::Credential& cred) {
    write_file(dir_ / (name + "-key.pem"), pem_of([&](BIO* b) {
                 return PEM_write_bio_PrivateKey(b, cred.key.get(), nullptr, nullptr, 0, nullptr,
                                                 nullptr);
               }));
    write_file(dir_ / (name + "-cert.pem"),
               pem_of([&](BIO* b) { return PEM_write_bio_X509(b, cred.cert.get()); }));
  }

  // A SAML assertion signed by sign_enveloped with `cred`, chain leaf + CA.
  static std::string sigil_signed(const test::Credential& cred) {
    XmlDocPtr doc = test::parse_or_die(test::saml_assertion());
    SignOptions o;
    o.insert_after = QName{std::string(kSaml2Ns), "Issuer"};
    o.inclusive_prefixes = {"xs", "xsi"};
    auto ok = sign_enveloped(doc.get(), xmlDocGetRootElement(doc.get()), cred.key.get(),
                             {cred.cert.get(), test_keys().ca.cert.get()}, o);
    EXPECT_TRUE(ok) << ok.error();
    return serialize(doc.get()).value();
  }

  CommandResult xmlsec1_verify(const std::string& xml, const std::string& cred) {
    write_file(dir_ / "signed.xml", xml);
    return run(std::string(SIGIL_XMLSEC1) + " --verify --enabled-reference-uris same-doc" +
               " --pubkey-cert-pem " + (dir_ / (cred + "-cert.pem")).string() + " --trusted-pem " +
               (dir_ / "ca.pem").string() + " " + kIdAttr + " " + (dir_ / "signed.xml").string());
  }

  // An assertion signed by `xmlsec1 --sign` from a template: exc-c14n, rsa-sha256, sha256.
  std::string xmlsec1_signed() {
    std::string xml = test::saml_assertion();
    const std::string sig =
        "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:SignedInfo>"
        "<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>"
        "<ds:SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256\"/>"
        "<ds:Reference URI=\"#_a1b2c3\"><ds:Transforms>"
        "<ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>"
        "<ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/></ds:Transforms>"
        "<ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/>"
        "<ds:DigestValue></ds:DigestValue></ds:Reference></ds:SignedInfo>"
        "<ds:SignatureValue></ds:SignatureValue><ds:KeyInfo><ds:X509Data/></ds:KeyInfo>"
        "</ds:Signature>";
    const size_t after_issuer = xml.find("</saml2:Issuer>") + 15;
    xml.insert(after_issuer, sig);
    write_file(dir_ / "template.xml", xml);
    CommandResult r = run(std::string(SIGIL_XMLSEC1) + " --sign --privkey-pem " +
                          (dir_ / "rsa-key.pem").string() + "," + (dir_ / "rsa-cert.pem").string() +
                          " " + kIdAttr + " --output " + (dir_ / "out.xml").string() + " " +
                          (dir_ / "template.xml").string());
    EXPECT_EQ(r.status, 0) << r.output;
    return read_file(dir_ / "out.xml");
  }

  static Result<VerifiedNode> sigil_verify(const std::string& xml, XmlDocPtr& doc) {
    auto parsed = parse_untrusted(xml);
    if (!parsed) return unexpected(parsed.error());
    doc = std::move(parsed).value();
    return verify(doc.get(), xmlDocGetRootElement(doc.get()),
                  VerifyTrust{{TrustedKey{nullptr, test_keys().rsa.cert.get()}}});
  }

  fs::path dir_;
};

TEST_F(Xmlsec1Interop, SigilRsaSignatureVerifiesWithXmlsec1) {
  CommandResult r = xmlsec1_verify(sigil_signed(test_keys().rsa), "rsa");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("SignedInfo References (ok/all): 1/1"), std::string::npos) << r.output;
}

TEST_F(Xmlsec1Interop, SigilEcdsaSignatureVerifiesWithXmlsec1) {
  CommandResult r = xmlsec1_verify(sigil_signed(test_keys().ec), "ec");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("SignedInfo References (ok/all): 1/1"), std::string::npos) << r.output;
}

TEST_F(Xmlsec1Interop, ModifiedSigilSignatureFailsWithXmlsec1) {
  std::string xml = sigil_signed(test_keys().rsa);
  xml.replace(xml.find("Administrator@"), 13, "Administrat0r");
  CommandResult r = xmlsec1_verify(xml, "rsa");
  EXPECT_NE(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("FAIL"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("SignedInfo References (ok/all): 1/1"), std::string::npos) << r.output;
}

TEST_F(Xmlsec1Interop, Xmlsec1SignatureVerifiesWithSigil) {
  const std::string xml = xmlsec1_signed();
  ASSERT_NE(xml.find("<ds:SignatureValue>"), std::string::npos) << xml;
  XmlDocPtr doc;
  auto v = sigil_verify(xml, doc);
  ASSERT_TRUE(v) << v.error();
  EXPECT_EQ(v->node, xmlDocGetRootElement(doc.get()));
  EXPECT_EQ(v->algorithm, "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256");
  xmlNode* name_id = test::find_element(doc.get(), kSaml2Ns, "NameID");
  EXPECT_EQ(node_text(name_id).value(), "Administrator@VSPHERE.LOCAL");
}

TEST_F(Xmlsec1Interop, ModifiedXmlsec1SignatureFailsWithSigil) {
  std::string xml = xmlsec1_signed();
  xml.replace(xml.find("Administrator@"), 13, "Administrat0r");
  XmlDocPtr doc;
  auto v = sigil_verify(xml, doc);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, Errc::kSignatureInvalid);
}

}  // namespace
}  // namespace sigil::xml
