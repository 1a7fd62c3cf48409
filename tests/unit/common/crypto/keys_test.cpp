#include "sigil/crypto/keys.hpp"

#include <array>

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/pem.h>

#include "crypto_test_util.hpp"

namespace sigil::crypto {
namespace {

using testing::must;
using testing::openssl_queue_empty;

constexpr std::array kAllTypes = {KeyType::kRsa2048, KeyType::kRsa3072, KeyType::kEcdsaP256};
constexpr std::array kAllDigests = {Digest::kSha256, Digest::kSha384, Digest::kSha512};

// One key per type for the whole binary: RSA generation is the slow part of these tests.
EVP_PKEY* test_key(KeyType type) {
  static const std::array<EvpPkeyPtr, 3> keys = {must(generate_key(KeyType::kRsa2048)),
                                                 must(generate_key(KeyType::kRsa3072)),
                                                 must(generate_key(KeyType::kEcdsaP256))};
  return keys.at(static_cast<std::size_t>(type)).get();
}

// An RSA public key with a modulus of `bits` bits, without paying for generating one.
EvpPkeyPtr rsa_public_key_with_bits(int bits) {
  BignumPtr n(BN_new());
  BignumPtr e(BN_new());
  SIGIL_CHECK(BN_set_bit(n.get(), bits - 1) == 1 && BN_set_bit(n.get(), 0) == 1);
  SIGIL_CHECK(BN_set_word(e.get(), 65537) == 1);
  OsslParamBldPtr bld(OSSL_PARAM_BLD_new());
  SIGIL_CHECK(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) == 1);
  SIGIL_CHECK(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) == 1);
  OsslParamPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  EVP_PKEY* key = nullptr;
  SIGIL_CHECK(EVP_PKEY_fromdata_init(ctx.get()) == 1);
  SIGIL_CHECK(EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) == 1);
  return EvpPkeyPtr(key);
}

std::string encrypted_pem(EVP_PKEY* key, const char* passphrase) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  SIGIL_CHECK(PEM_write_bio_PKCS8PrivateKey(bio.get(), key, EVP_aes_256_cbc(), nullptr, 0, nullptr,
                                            const_cast<char*>(passphrase)) == 1);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return {data, static_cast<std::size_t>(len)};
}

TEST(Keys, GeneratesEachTypeWithTheRequestedAlgorithmAndSize) {
  struct Expect {
    KeyType type;
    KeyAlgorithm algorithm;
    int bits;
    const char* description;
  };
  for (const Expect& x : {Expect{KeyType::kRsa2048, KeyAlgorithm::kRsa, 2048, "RSA-2048"},
                          Expect{KeyType::kRsa3072, KeyAlgorithm::kRsa, 3072, "RSA-3072"},
                          Expect{KeyType::kEcdsaP256, KeyAlgorithm::kEc, 256, "ECDSA-P256"}}) {
    KeyInfo info = describe(test_key(x.type));
    EXPECT_EQ(info.algorithm, x.algorithm);
    EXPECT_EQ(info.bits, x.bits);
    EXPECT_EQ(info.description, x.description);
    EXPECT_EQ(info.description, key_type_name(x.type));
    EXPECT_EQ(info.type, x.type);
  }
  EXPECT_EQ(describe(test_key(KeyType::kEcdsaP256)).curve, "P-256");
}

TEST(Keys, TypeNamesRoundTripAndUnknownNamesAreUnsupported) {
  for (KeyType t : kAllTypes) {
    auto parsed = parse_key_type(key_type_name(t));
    ASSERT_TRUE(parsed) << parsed.error();
    EXPECT_EQ(*parsed, t);
  }
  auto bad = parse_key_type("RSA-1024");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::kUnsupportedAlgorithm);
}

TEST(Keys, DescribeRecognisesImportableKeysSigilDoesNotGenerate) {
  KeyInfo rsa4096 = describe(rsa_public_key_with_bits(4096).get());
  EXPECT_EQ(rsa4096.description, "RSA-4096");
  EXPECT_EQ(rsa4096.bits, 4096);
  EXPECT_FALSE(rsa4096.type.has_value());

  EvpPkeyPtr p384(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"));
  ASSERT_TRUE(p384);
  KeyInfo ec = describe(p384.get());
  EXPECT_EQ(ec.description, "ECDSA-P384");
  EXPECT_EQ(ec.curve, "P-384");
  EXPECT_EQ(ec.bits, 384);
  EXPECT_FALSE(ec.type.has_value());

  EvpPkeyPtr ed(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  ASSERT_TRUE(ed);
  EXPECT_EQ(describe(ed.get()).description, "ED25519");
  EXPECT_EQ(describe(ed.get()).algorithm, KeyAlgorithm::kOther);
  EXPECT_TRUE(openssl_queue_empty());
}

TEST(Keys, PrivateKeyPemIsPkcs8AndRoundTrips) {
  for (KeyType t : kAllTypes) {
    auto pem = write_private_key_pem(test_key(t));
    ASSERT_TRUE(pem) << pem.error();
    EXPECT_TRUE(pem->view().starts_with("-----BEGIN PRIVATE KEY-----\n")) << key_type_name(t);
    auto back = read_private_key_pem(pem->view());
    ASSERT_TRUE(back) << back.error();
    EXPECT_EQ(EVP_PKEY_eq(back->get(), test_key(t)), 1) << key_type_name(t);
  }
}

TEST(Keys, PrivateKeyDerRoundTrips) {
  for (KeyType t : kAllTypes) {
    auto der = write_private_key_der(test_key(t));
    ASSERT_TRUE(der) << der.error();
    auto back = read_private_key_der(der->span());
    ASSERT_TRUE(back) << back.error();
    EXPECT_EQ(EVP_PKEY_eq(back->get(), test_key(t)), 1) << key_type_name(t);
  }
}

TEST(Keys, PrivateKeyDerWithTrailingBytesOrGarbageIsMalformed) {
  auto der = must(write_private_key_der(test_key(KeyType::kEcdsaP256)));
  std::vector<std::uint8_t> longer(der.span().begin(), der.span().end());
  longer.push_back(0);
  auto trailing = read_private_key_der(longer);
  ASSERT_FALSE(trailing);
  EXPECT_EQ(trailing.error().code, Errc::kMalformedRequest);
  auto garbage = read_private_key_der(bytes_of("not a key"));
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error().code, Errc::kMalformedRequest);
  EXPECT_TRUE(openssl_queue_empty());
}

TEST(Keys, EncryptedPemWithoutPassphraseIsRefusedWithoutPrompting) {
  std::string pem = encrypted_pem(test_key(KeyType::kEcdsaP256), "s3cret");
  ASSERT_NE(pem.find("ENCRYPTED PRIVATE KEY"), std::string::npos);
  auto r = read_private_key_pem(pem);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
  EXPECT_NE(r.error().message.find("passphrase"), std::string::npos);
  EXPECT_TRUE(openssl_queue_empty());
}

TEST(Keys, EncryptedPemWithWrongPassphraseFailsToDecrypt) {
  std::string pem = encrypted_pem(test_key(KeyType::kEcdsaP256), "s3cret");
  auto r = read_private_key_pem(pem, "wrong");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kDecryptFailed);
  EXPECT_TRUE(openssl_queue_empty());
}

TEST(Keys, EncryptedPemOpensWithTheRightPassphrase) {
  std::string pem = encrypted_pem(test_key(KeyType::kRsa2048), "s3cret");
  auto r = read_private_key_pem(pem, "s3cret");
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(EVP_PKEY_eq(r->get(), test_key(KeyType::kRsa2048)), 1);
}

TEST(Keys, TextThatIsNotAPrivateKeyIsMalformed) {
  auto pub = must(write_public_key_pem(test_key(KeyType::kEcdsaP256)));
  for (std::string_view text : {std::string_view("hello"), std::string_view(pub)}) {
    auto r = read_private_key_pem(text);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::kMalformedRequest);
    EXPECT_FALSE(r.error().detail.empty());  // the OpenSSL reason is kept for the log
  }
  auto r = read_public_key_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kMalformedRequest);
  EXPECT_TRUE(openssl_queue_empty());
}

TEST(Keys, EncodedInputOver16MiBIsRefusedAsTooLarge) {
  std::string huge(16 * 1024 * 1024 + 1, 'A');
  auto pem = read_private_key_pem(huge);
  ASSERT_FALSE(pem);
  EXPECT_EQ(pem.error().code, Errc::kPayloadTooLarge);
  auto der = read_private_key_der(bytes_of(huge));
  ASSERT_FALSE(der);
  EXPECT_EQ(der.error().code, Errc::kPayloadTooLarge);
}

TEST(Keys, PublicKeyPemRoundTripsToTheSamePublicKey) {
  for (KeyType t : kAllTypes) {
    auto pem = write_public_key_pem(test_key(t));
    ASSERT_TRUE(pem) << pem.error();
    EXPECT_TRUE(pem->starts_with("-----BEGIN PUBLIC KEY-----\n"));
    auto pub = read_public_key_pem(*pem);
    ASSERT_TRUE(pub) << pub.error();
    EXPECT_EQ(EVP_PKEY_eq(pub->get(), test_key(t)), 1);
  }
}

TEST(Keys, SignatureVerifiesForEveryKeyTypeAndDigest) {
  for (KeyType t : kAllTypes) {
    for (Digest d : kAllDigests) {
      auto sig = sign(test_key(t), d, bytes_of("assertion"));
      ASSERT_TRUE(sig) << sig.error();
      auto ok = verify(test_key(t), d, bytes_of("assertion"), *sig);
      EXPECT_TRUE(ok) << key_type_name(t) << " " << digest_name(d) << ": " << ok.error();
    }
  }
}

TEST(Keys, TamperedSignatureOrDataIsRejected) {
  for (KeyType t : {KeyType::kRsa2048, KeyType::kEcdsaP256}) {
    auto sig = must(sign(test_key(t), Digest::kSha256, bytes_of("assertion")));
    auto wrong_data = verify(test_key(t), Digest::kSha256, bytes_of("assertioN"), sig);
    ASSERT_FALSE(wrong_data);
    EXPECT_EQ(wrong_data.error().code, Errc::kSignatureInvalid);
    sig[sig.size() / 2] ^= 0x01;
    auto wrong_sig = verify(test_key(t), Digest::kSha256, bytes_of("assertion"), sig);
    ASSERT_FALSE(wrong_sig);
    EXPECT_EQ(wrong_sig.error().code, Errc::kSignatureInvalid);
    auto wrong_digest = verify(test_key(t), Digest::kSha512, bytes_of("assertion"), sig);
    ASSERT_FALSE(wrong_digest);
    EXPECT_TRUE(openssl_queue_empty());
  }
}

TEST(Keys, SignatureFromAnotherKeyIsRejected) {
  auto sig = must(sign(test_key(KeyType::kRsa2048), Digest::kSha256, bytes_of("x")));
  auto r = verify(test_key(KeyType::kRsa3072), Digest::kSha256, bytes_of("x"), sig);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kSignatureInvalid);
}

TEST(Keys, GarbageEcdsaSignatureIsRejectedAsInvalid) {
  auto r = verify(test_key(KeyType::kEcdsaP256), Digest::kSha256, bytes_of("x"),
                  bytes_of("not DER at all"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kSignatureInvalid);
  EXPECT_TRUE(openssl_queue_empty());
}

TEST(Keys, RsaSignaturesArePkcs1V15) {
  // PKCS#1 v1.5 is deterministic (PSS is not), and its signature is exactly the modulus size.
  auto a = must(sign(test_key(KeyType::kRsa3072), Digest::kSha512, bytes_of("x")));
  auto b = must(sign(test_key(KeyType::kRsa3072), Digest::kSha512, bytes_of("x")));
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.size(), 384U);
}

TEST(Keys, OpensslCliVerifiesOurRsaSha512AndEcdsaSha256Signatures) {
  testing::TempDir dir;
  testing::write_file(dir / "data", "signed bytes");
  struct Case {
    KeyType type;
    Digest digest;
    const char* flag;
  };
  for (const Case& c : {Case{KeyType::kRsa2048, Digest::kSha512, "-sha512"},
                        Case{KeyType::kEcdsaP256, Digest::kSha256, "-sha256"}}) {
    testing::write_file(dir / "pub.pem", must(write_public_key_pem(test_key(c.type))));
    auto sig = must(sign(test_key(c.type), c.digest, bytes_of("signed bytes")));
    testing::write_file(dir / "sig", ByteView(sig));
    auto out = testing::run_command("openssl dgst " + std::string(c.flag) + " -verify " +
                                    (dir / "pub.pem").string() + " -signature " +
                                    (dir / "sig").string() + " " + (dir / "data").string());
    EXPECT_EQ(out.exit_code, 0) << out.output;
    EXPECT_NE(out.output.find("Verified OK"), std::string::npos) << out.output;
  }
}

TEST(Keys, Ed25519KeysCannotSignThroughThisApi) {
  EvpPkeyPtr ed(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  ASSERT_TRUE(ed);
  auto r = sign(ed.get(), Digest::kSha256, bytes_of("x"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kUnsupportedAlgorithm);
}

TEST(Keys, KeyMatchesOnlyItsOwnCertificate) {
  const auto& pki = testing::shared_pki();
  EXPECT_TRUE(key_matches_certificate(pki.leaf_key.get(), pki.leaf.get()));
  EXPECT_TRUE(key_matches_certificate(pki.root_key.get(), pki.root.get()));
  EXPECT_FALSE(key_matches_certificate(pki.root_key.get(), pki.leaf.get()));
  EXPECT_FALSE(key_matches_certificate(test_key(KeyType::kRsa2048), pki.leaf.get()));
  EXPECT_TRUE(openssl_queue_empty());
}

}  // namespace
}  // namespace sigil::crypto
