#include "sigil/crypto/envelope.hpp"

#include <regex>

#include <gtest/gtest.h>

#include "sigil/crypto/random.hpp"

#include "crypto_test_util.hpp"

namespace sigil::crypto {
namespace {

using testing::must;
using testing::openssl_queue_empty;

constexpr std::string_view kAad = "tenant=acme;key=sk-42";

std::string as_string(const SecretBytes& b) { return {b.span().begin(), b.span().end()}; }

// Splits an envelope into its header ("sigil-env-v1:<id>:") and decoded payload.
std::pair<std::string, std::vector<std::uint8_t>> split(const std::string& envelope) {
  std::size_t colon = envelope.find(':', std::string("sigil-env-v1:").size());
  return {envelope.substr(0, colon + 1), must(base64_decode(envelope.substr(colon + 1)))};
}

void expect_code(const Result<SecretBytes>& r, Errc code, std::string_view what) {
  ASSERT_FALSE(r) << what;
  EXPECT_EQ(r.error().code, code) << what << ": " << r.error();
  EXPECT_TRUE(openssl_queue_empty()) << what;
}

TEST(Envelope, RoundTripsAndNamesTheMasterKey) {
  auto mk = must(MasterKey::generate());
  auto sealed = seal(mk, bytes_of("private key bytes"), kAad);
  ASSERT_TRUE(sealed) << sealed.error();
  EXPECT_TRUE(sealed->starts_with("sigil-env-v1:" + mk.id() + ":")) << *sealed;
  EXPECT_EQ(master_key_id_of(*sealed), mk.id());
  auto opened = open(mk, *sealed, kAad);
  ASSERT_TRUE(opened) << opened.error();
  EXPECT_EQ(as_string(*opened), "private key bytes");
}

TEST(Envelope, PayloadHoldsAWrappedDataKeyAndFreshNonces) {
  auto mk = must(MasterKey::generate());
  std::string a = must(seal(mk, bytes_of("same"), kAad));
  std::string b = must(seal(mk, bytes_of("same"), kAad));
  EXPECT_NE(a, b);
  auto [header, payload] = split(a);
  auto [header_b, payload_b] = split(b);
  EXPECT_EQ(payload.size(), 12U + 32 + 16 + 12 + 4 + 16);
  // Different wrap nonces, and different data nonces.
  EXPECT_NE(std::vector(payload.begin(), payload.begin() + 12),
            std::vector(payload_b.begin(), payload_b.begin() + 12));
  EXPECT_NE(std::vector(payload.begin() + 60, payload.begin() + 72),
            std::vector(payload_b.begin() + 60, payload_b.begin() + 72));
}

TEST(Envelope, EmptyPlaintextRoundTrips) {
  auto mk = must(MasterKey::generate());
  auto opened = open(mk, must(seal(mk, {}, "")), "");
  ASSERT_TRUE(opened) << opened.error();
  EXPECT_TRUE(opened->empty());
}

TEST(Envelope, PlaintextOver16MiBIsRefusedAsTooLarge) {
  auto mk = must(MasterKey::generate());
  std::vector<std::uint8_t> huge(16 * 1024 * 1024 + 1);
  auto r = seal(mk, huge, kAad);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kPayloadTooLarge);
}

TEST(Envelope, WrongMasterKeyFailsNamingTheKeyItNeeds) {
  auto mk = must(MasterKey::generate());
  auto other = must(MasterKey::generate());
  std::string sealed = must(seal(mk, bytes_of("x"), kAad));
  auto r = open(other, sealed, kAad);
  expect_code(r, Errc::kDecryptFailed, "other master key");
  EXPECT_NE(r.error().message.find(mk.id()), std::string::npos) << r.error();
  EXPECT_NE(r.error().message.find(other.id()), std::string::npos) << r.error();
}

TEST(Envelope, MasterKeyWithTheRightIdButOtherBytesFails) {
  // Guards the cryptographic check, not just the id comparison: re-label the envelope.
  auto mk = must(MasterKey::generate());
  auto other = must(MasterKey::generate());
  std::string sealed = must(seal(mk, bytes_of("x"), kAad));
  std::string relabelled = sealed;
  relabelled.replace(13, mk.id().size(), other.id());
  expect_code(open(other, relabelled, kAad), Errc::kDecryptFailed, "relabelled");
}

TEST(Envelope, EveryModifiedPayloadByteIsDetected) {
  auto mk = must(MasterKey::generate());
  std::string sealed = must(seal(mk, bytes_of("secret!"), kAad));
  auto [header, payload] = split(sealed);
  // Wrap nonce, wrapped key, wrap tag, data nonce, ciphertext, data tag.
  for (std::size_t pos : {0UL, 20UL, 50UL, 65UL, 73UL, payload.size() - 1}) {
    auto tampered = payload;
    tampered[pos] ^= 0x80;
    expect_code(open(mk, header + base64_encode(tampered), kAad), Errc::kDecryptFailed,
                "byte " + std::to_string(pos));
  }
}

TEST(Envelope, DataKeyFromAnotherEnvelopeDoesNotOpenThisOne) {
  auto mk = must(MasterKey::generate());
  auto [header, a] = split(must(seal(mk, bytes_of("first"), kAad)));
  auto [header_b, b] = split(must(seal(mk, bytes_of("other"), kAad)));
  std::copy(b.begin(), b.begin() + 60, a.begin());  // swap in the other wrapped data key
  expect_code(open(mk, header + base64_encode(a), kAad), Errc::kDecryptFailed, "swapped key");
}

TEST(Envelope, OtherAadFails) {
  auto mk = must(MasterKey::generate());
  std::string sealed = must(seal(mk, bytes_of("x"), "tenant=acme;key=sk-42"));
  expect_code(open(mk, sealed, "tenant=evil;key=sk-42"), Errc::kDecryptFailed, "other tenant");
  expect_code(open(mk, sealed, ""), Errc::kDecryptFailed, "empty aad");
}

TEST(Envelope, MalformedEnvelopesAreRejectedAsMalformed) {
  auto mk = must(MasterKey::generate());
  std::string good = must(seal(mk, bytes_of("x"), kAad));
  std::string header = "sigil-env-v1:" + mk.id() + ":";
  for (const std::string& text :
       {std::string(""), std::string("garbage"), "sigil-env-v2:" + mk.id() + ":AAAA",
        std::string("sigil-env-v1:mk-xyz:AAAA"), "sigil-env-v1:" + mk.id(),
        "sigil-env-v1:" + mk.id().substr(0, 10) + ":AAAA", header + "not*base64",
        header + base64_encode(std::vector<std::uint8_t>(87, 0)), good.substr(0, 40)}) {
    expect_code(open(mk, text, kAad), Errc::kMalformedRequest, text);
  }
}

TEST(Envelope, MasterKeyIdOfIsEmptyForNonEnvelopes) {
  EXPECT_EQ(master_key_id_of("garbage"), "");
  EXPECT_EQ(master_key_id_of("sigil-env-v1:mk-0123456789abcdef"), "");
  EXPECT_EQ(master_key_id_of("sigil-env-v1:mk-0123456789ABCDEF:x"), "");
  EXPECT_EQ(master_key_id_of("sigil-env-v1:mk-0123456789abcdef:x"), "mk-0123456789abcdef");
}

TEST(Envelope, MasterKeyIdIsAPrefixOfTheKeysSha256) {
  std::vector<std::uint8_t> bytes(32, 0x42);
  auto mk = MasterKey::from_bytes(bytes);
  ASSERT_TRUE(mk) << mk.error();
  EXPECT_EQ(mk->id(), "mk-" + hex_encode(sha256(bytes)).substr(0, 16));
  EXPECT_TRUE(std::regex_match(mk->id(), std::regex("^mk-[0-9a-f]{16}$")));
  for (std::size_t size : {0UL, 16UL, 31UL, 33UL}) {
    auto bad = MasterKey::from_bytes(std::vector<std::uint8_t>(size, 1));
    ASSERT_FALSE(bad) << size;
    EXPECT_EQ(bad.error().code, Errc::kInvalidArgument);
  }
}

TEST(Envelope, PrivateKeyRoundTripsThroughPkcs8) {
  auto mk = must(MasterKey::generate());
  auto key = must(generate_key(KeyType::kEcdsaP256));
  auto sealed = seal_private_key(mk, key.get(), kAad);
  ASSERT_TRUE(sealed) << sealed.error();
  auto opened = open_private_key(mk, *sealed, kAad);
  ASSERT_TRUE(opened) << opened.error();
  EXPECT_EQ(EVP_PKEY_eq(opened->get(), key.get()), 1);
  auto wrong_aad = open_private_key(mk, *sealed, "tenant=other");
  ASSERT_FALSE(wrong_aad);
  EXPECT_EQ(wrong_aad.error().code, Errc::kDecryptFailed);
}

TEST(Envelope, SealedNonKeyDoesNotOpenAsAPrivateKey) {
  auto mk = must(MasterKey::generate());
  auto r = open_private_key(mk, must(seal(mk, bytes_of("not a key"), kAad)), kAad);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kMalformedRequest);
  EXPECT_TRUE(openssl_queue_empty());
}

}  // namespace
}  // namespace sigil::crypto
