// Peer change records: the wire format and the change_log payload, and the trust checks.
#include "certmgr/peers/change_record.hpp"

#include <gtest/gtest.h>

#include "certmgr/peers/admin_routes.hpp"
#include "certmgr/peers/peer_trust.hpp"

#include "sigil/crypto/keys.hpp"
#include "sigil/crypto/x509.hpp"
#include "sigil/keys/sealed_key.hpp"

namespace sigil::certmgr::peers {
namespace {

using namespace std::chrono_literals;

const TimePoint kT0 = TimePoint{} + std::chrono::microseconds(1'795'000'000'123'456);

keys::ReplicatedKey sample_key(std::string id, keys::KeyState state) {
  keys::ReplicatedKey k;
  k.key_id = std::move(id);
  k.state = state;
  k.source = "builtin-ca";
  k.algorithm = "rsa-sha256";
  k.certificate_chain_pem = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
  k.certificate_sha256 = std::string(64, 'a');
  k.not_before = kT0 - 1h;
  k.not_after = kT0 + 24h;
  if (state == keys::KeyState::kActive) k.activated_at = kT0;
  if (state == keys::KeyState::kVerifyOnly) {
    k.activated_at = kT0 - 30min;
    k.deactivated_at = kT0;
    k.verify_until = kT0 + 2h;
  }
  return k;
}

WireRecord sample_record() {
  WireRecord r;
  r.seq = 7;
  r.tenant = "vsphere.local";
  r.kind = "keyset.rotate";
  r.keys = {sample_key("sk-new", keys::KeyState::kActive),
            sample_key("sk-old", keys::KeyState::kVerifyOnly)};
  r.private_key_pems = {"pem-new", "pem-old"};
  return r;
}

TEST(ChangeRecord, SerializeThenParseGivesTheSameRecordToTheMicrosecond) {
  const WireRecord r = sample_record();
  auto back = parse_wire_record(serialize(r));
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(back->seq, 7);
  EXPECT_EQ(back->tenant, "vsphere.local");
  EXPECT_EQ(back->kind, "keyset.rotate");
  EXPECT_TRUE(keys::same_key_set(back->keys, r.keys));
  EXPECT_EQ(back->keys[1].verify_until, kT0 + 2h);
  EXPECT_EQ(back->keys[0].not_before, kT0 - 1h);
  EXPECT_EQ(back->private_key_pems, r.private_key_pems);
}

TEST(ChangeRecord, MalformedRecordsAreRefusedWithWhatIsWrong) {
  auto bad = [](std::string body) {
    auto r = parse_wire_record(body);
    EXPECT_FALSE(r) << body;
    return r ? std::string() : r.error().message;
  };
  EXPECT_NE(bad("[]").find("not a JSON object"), std::string::npos);
  EXPECT_NE(bad("{\"tenant\":\"t\",\"kind\":\"k\",\"keys\":[]}").find("seq"), std::string::npos);
  WireRecord two_active = sample_record();
  two_active.keys[1] = sample_key("sk-old", keys::KeyState::kActive);
  EXPECT_NE(bad(serialize(two_active)).find("more than one active"), std::string::npos);
  WireRecord inconsistent = sample_record();
  inconsistent.keys[1].verify_until.reset();
  EXPECT_NE(bad(serialize(inconsistent)).find("inconsistent"), std::string::npos);
  WireRecord dup = sample_record();
  dup.keys[1].key_id = "sk-new";
  dup.keys[1].state = keys::KeyState::kPending;
  dup.keys[1].activated_at.reset();
  dup.keys[1].deactivated_at.reset();
  dup.keys[1].verify_until.reset();
  EXPECT_NE(bad(serialize(dup)).find("twice"), std::string::npos);
  std::string unknown_state = serialize(sample_record());
  unknown_state.replace(unknown_state.find("\"verify-only\""), 13, "\"frozen\"");
  EXPECT_NE(bad(unknown_state).find("unknown state"), std::string::npos);
  WireRecord zero = sample_record();
  zero.seq = 0;
  EXPECT_NE(bad(serialize(zero)).find("positive"), std::string::npos);
}

// Found by fuzzing (tests/fuzz/corpus/peer_record/not_before_overflow.json): microseconds that a
// TimePoint's nanoseconds cannot hold overflowed (undefined behaviour) instead of being refused.
TEST(ChangeRecord, TimesATimePointCannotHoldAreRefusedNotOverflowed) {
  const std::string body = serialize(sample_record());
  const std::string not_before =
      std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(
                         (kT0 - 1h).time_since_epoch()).count());
  ASSERT_NE(body.find(not_before), std::string::npos);
  for (const char* us : {"17723628001232456", "-9223372036854775807", "9223372036854775"}) {
    std::string bad = body;
    bad.replace(bad.find(not_before), not_before.size(), us);
    auto r = parse_wire_record(bad);
    ASSERT_FALSE(r) << us;
    EXPECT_EQ(r.error().code, Errc::kMalformedRequest);
    EXPECT_NE(r.error().message.find("not_before_us is out of range"), std::string::npos)
        << r.error().message;
  }
}

TEST(ChangeRecord, APayloadRowBecomesAWireRecordWithTheOpenedPrivateKey) {
  auto master = crypto::MasterKey::generate();
  ASSERT_TRUE(master);
  auto key = crypto::generate_key(crypto::KeyType::kEcdsaP256);
  ASSERT_TRUE(key);
  auto sealed =
      crypto::seal_private_key(*master, key->get(), keys::signing_key_aad("vsphere.local", "sk-1"));
  ASSERT_TRUE(sealed);
  db::ChangeRow row;
  row.seq = 12;
  row.tenant = "vsphere.local";
  row.kind = "keyset.add";
  // The shape common/db writes (keyset_payload): times as integer microseconds.
  row.payload = db::keyset_payload("vsphere.local", std::vector<keys::ReplicatedKey>{[&] {
                                     keys::ReplicatedKey k =
                                         sample_key("sk-1", keys::KeyState::kPending);
                                     k.private_key_ciphertext = *sealed;
                                     k.master_key_id = master->id();
                                     return k;
                                   }()});
  auto payload_keys = parse_payload(row.payload);
  ASSERT_TRUE(payload_keys) << payload_keys.error();
  EXPECT_EQ((*payload_keys)[0].private_key_ciphertext, *sealed);
  auto wire = wire_record_of(row, *master);
  ASSERT_TRUE(wire) << wire.error();
  ASSERT_EQ(wire->private_key_pems.size(), 1u);
  auto opened = crypto::read_private_key_pem(wire->private_key_pems[0]);
  ASSERT_TRUE(opened);
  EXPECT_EQ(EVP_PKEY_eq(opened->get(), key->get()), 1);
  EXPECT_TRUE(wire->keys[0].private_key_ciphertext.empty());
  // Sealed for another tenant: it does not open, and the error names the key.
  row.tenant = "other.local";
  auto wrong = wire_record_of(row, *master);
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().message.find("sk-1"), std::string::npos);
}

// A CA, a client certificate it issued (EKU clientAuth or not), and a stranger.
struct Pki {
  crypto::EvpPkeyPtr ca_key;
  crypto::X509Ptr ca;
  std::string ca_pem;
  crypto::EvpPkeyPtr client_key;
  crypto::X509Ptr client;
};

crypto::X509Ptr issue(EVP_PKEY* subject, EVP_PKEY* issuer_key, X509* issuer, bool ca,
                      bool client_auth, TimePoint now) {
  crypto::CertRequest req;
  req.subject.common_name = ca ? "Test CA" : "sigil-peer test";
  req.subject_key = subject;
  req.issuer_key = issuer_key;
  req.issuer_cert = issuer;
  req.not_before = now - 1h;
  req.not_after = now + 24h;
  req.is_ca = ca;
  req.key_usage.digital_signature = true;
  req.key_usage.key_cert_sign = ca;
  if (client_auth) {
    crypto::ExtendedKeyUsage e;
    e.client_auth = true;
    req.extended_key_usage = e;
  }
  auto c = crypto::issue_certificate(req);
  EXPECT_TRUE(c) << c.error();
  return std::move(*c);
}

Pki make_pki(TimePoint now, bool client_auth = true) {
  Pki p;
  p.ca_key = std::move(*crypto::generate_key(crypto::KeyType::kEcdsaP256));
  p.ca = issue(p.ca_key.get(), p.ca_key.get(), nullptr, true, false, now);
  p.ca_pem = *crypto::write_certificate_pem(p.ca.get());
  p.client_key = std::move(*crypto::generate_key(crypto::KeyType::kEcdsaP256));
  p.client = issue(p.client_key.get(), p.ca_key.get(), p.ca.get(), false, client_auth, now);
  return p;
}

TEST(PeerTrust, AClientCertificateMustChainToACaOfTheBundleAndBeForClientAuth) {
  const TimePoint now = std::chrono::system_clock::now();
  Pki ours = make_pki(now);
  Pki stranger = make_pki(now);
  EXPECT_TRUE(verify_peer_client(ours.client.get(), ours.ca_pem, now));
  auto wrong_ca = verify_peer_client(stranger.client.get(), ours.ca_pem, now);
  ASSERT_FALSE(wrong_ca);
  EXPECT_EQ(wrong_ca.error().code, Errc::kAuthFailed);
  EXPECT_FALSE(verify_peer_client(ours.client.get(), ours.ca_pem, now + 48h));  // expired
  Pki server_only = make_pki(now, false);
  EXPECT_FALSE(verify_peer_client(server_only.client.get(), server_only.ca_pem, now));
  // A self-signed leaf in the bundle (the listener certificate) is no client anchor.
  const std::string leaf_pem = *crypto::write_certificate_pem(ours.client.get());
  EXPECT_FALSE(verify_peer_client(ours.client.get(), leaf_pem, now));
}

TEST(PeerTrust, ABundleNeedsPemCertificatesAndACa) {
  const TimePoint now = std::chrono::system_clock::now();
  Pki p = make_pki(now);
  EXPECT_TRUE(check_trust_bundle(p.ca_pem));
  auto none = check_trust_bundle("hello");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, Errc::kInvalidArgument);
  auto no_ca = check_trust_bundle(*crypto::write_certificate_pem(p.client.get()));
  ASSERT_FALSE(no_ca);
  EXPECT_NE(no_ca.error().message.find("no CA"), std::string::npos);
}

TEST(PeerTrust, TheBodySignatureVerifiesOnlyForTheExactBytesAndTheSigner) {
  const TimePoint now = std::chrono::system_clock::now();
  Pki p = make_pki(now);
  Pki other = make_pki(now);
  auto sig = sign_body(p.client_key.get(), "{\"seq\":1}");
  ASSERT_TRUE(sig);
  EXPECT_TRUE(verify_body(p.client.get(), "{\"seq\":1}", *sig));
  auto changed = verify_body(p.client.get(), "{\"seq\":2}", *sig);
  ASSERT_FALSE(changed);
  EXPECT_EQ(changed.error().code, Errc::kSignatureInvalid);
  EXPECT_FALSE(verify_body(other.client.get(), "{\"seq\":1}", *sig));
  EXPECT_FALSE(verify_body(p.client.get(), "{\"seq\":1}", "%%%"));
}

TEST(PeerUrl, OnlyHttpsBaseUrlsAreAcceptedInOneCanonicalForm) {
  EXPECT_EQ(*canonical_peer_url("https://127.0.0.1:8444"), "https://127.0.0.1:8444");
  EXPECT_EQ(*canonical_peer_url("https://127.0.0.1:8444/"), "https://127.0.0.1:8444");
  EXPECT_EQ(*canonical_peer_url("https://b.example.com"), "https://b.example.com:443");
  for (const char* bad : {"http://127.0.0.1:8444", "127.0.0.1:8444", "https://", "https://h/api",
                          "https://h:1?x=1", "ftp://h"}) {
    auto r = canonical_peer_url(bad);
    EXPECT_FALSE(r) << bad;
    if (!r) {
      EXPECT_EQ(r.error().code, Errc::kInvalidArgument) << bad;
    }
  }
}

}  // namespace
}  // namespace sigil::certmgr::peers
