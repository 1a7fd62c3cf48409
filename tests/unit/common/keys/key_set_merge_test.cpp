// The conflict rule of linked peers: keys::merge_key_sets.
#include "sigil/keys/key_set_merge.hpp"

#include <algorithm>

#include <gtest/gtest.h>

namespace sigil::keys {
namespace {

using namespace std::chrono_literals;

const TimePoint kT0 = TimePoint{} + std::chrono::hours(24 * 365 * 56);

RetentionPolicy policy() {
  RetentionPolicy p;
  p.clock_tolerance = 600s;
  p.max_bearer_lifetime = 300s;
  p.max_hok_lifetime = 3600s;
  p.max_renew_count = 0;
  return p;  // retention = 3600 + 600 s
}

ReplicatedKey key(std::string id, KeyState state, std::optional<TimePoint> activated = {}) {
  ReplicatedKey k;
  k.key_id = std::move(id);
  k.state = state;
  k.source = "builtin-ca";
  k.algorithm = "rsa-sha256";
  k.certificate_chain_pem = "chain of " + k.key_id;
  k.certificate_sha256 = "sha-" + k.key_id;
  k.private_key_ciphertext = "sealed-" + k.key_id;
  k.master_key_id = "mk-local";
  k.not_before = kT0 - 24h;
  k.not_after = kT0 + 24h * 3650;
  k.activated_at = activated;
  return k;
}

ReplicatedKey verify_only(std::string id, TimePoint activated, TimePoint deactivated,
                          TimePoint until) {
  ReplicatedKey k = key(std::move(id), KeyState::kVerifyOnly, activated);
  k.deactivated_at = deactivated;
  k.verify_until = until;
  return k;
}

const ReplicatedKey& find(const MergeResult& m, std::string_view id) {
  auto it =
      std::find_if(m.keys.begin(), m.keys.end(), [&](const auto& k) { return k.key_id == id; });
  EXPECT_NE(it, m.keys.end()) << id;
  return *it;
}

int active_count(const MergeResult& m) {
  return static_cast<int>(std::count_if(
      m.keys.begin(), m.keys.end(), [](const auto& k) { return k.state == KeyState::kActive; }));
}

TEST(KeySetMerge, EqualSetsMergeToThemselvesAndDifferFromNeither) {
  std::vector<ReplicatedKey> a{key("sk-a", KeyState::kActive, kT0),
                               verify_only("sk-0", kT0 - 10h, kT0, kT0 + 2h)};
  auto m = merge_key_sets(a, a, policy());
  ASSERT_TRUE(m) << m.error();
  EXPECT_FALSE(m->differs_from_local);
  EXPECT_FALSE(m->differs_from_remote);
  EXPECT_TRUE(same_key_set(m->keys, a));
}

TEST(KeySetMerge, UnionAddsKeysOnlyTheRemoteHasWithTheRemoteMaterial) {
  std::vector<ReplicatedKey> local{key("sk-a", KeyState::kActive, kT0)};
  ReplicatedKey p = key("sk-p", KeyState::kPending);
  p.private_key_ciphertext = "sealed-remotely";
  std::vector<ReplicatedKey> remote{key("sk-a", KeyState::kActive, kT0), p};
  auto m = merge_key_sets(local, remote, policy());
  ASSERT_TRUE(m);
  ASSERT_EQ(m->keys.size(), 2u);
  EXPECT_EQ(find(*m, "sk-p").private_key_ciphertext, "sealed-remotely");
  EXPECT_TRUE(m->differs_from_local);
  EXPECT_FALSE(m->differs_from_remote);
}

TEST(KeySetMerge, KeysOnlyTheLocalSideHasAreKept) {
  std::vector<ReplicatedKey> local{key("sk-a", KeyState::kActive, kT0),
                                   key("sk-p", KeyState::kPending)};
  std::vector<ReplicatedKey> remote{key("sk-a", KeyState::kActive, kT0)};
  auto m = merge_key_sets(local, remote, policy());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->keys.size(), 2u);
  EXPECT_FALSE(m->differs_from_local);
  EXPECT_TRUE(m->differs_from_remote);
}

TEST(KeySetMerge, AStateOnlyMovesForwardWithTheLaterSidesTimestamps) {
  // Remote still has sk-a active; locally it was rotated away: verify-only wins.
  ReplicatedKey vo = verify_only("sk-a", kT0, kT0 + 1h, kT0 + 3h);
  std::vector<ReplicatedKey> local{vo, key("sk-b", KeyState::kActive, kT0 + 1h)};
  std::vector<ReplicatedKey> remote{key("sk-a", KeyState::kActive, kT0)};
  auto m = merge_key_sets(local, remote, policy());
  ASSERT_TRUE(m);
  EXPECT_EQ(find(*m, "sk-a").state, KeyState::kVerifyOnly);
  EXPECT_EQ(find(*m, "sk-a").verify_until, kT0 + 3h);
  EXPECT_EQ(find(*m, "sk-b").state, KeyState::kActive);
  EXPECT_FALSE(m->differs_from_local);
  EXPECT_TRUE(m->differs_from_remote);
  // And the other way round the result is the same.
  auto back = merge_key_sets(remote, local, policy());
  ASSERT_TRUE(back);
  EXPECT_TRUE(same_key_set(back->keys, m->keys));
  // Pending never overrides active, retired overrides everything.
  ReplicatedKey retired = vo;
  retired.state = KeyState::kRetired;
  retired.retired_at = kT0 + 4h;
  std::vector<ReplicatedKey> r2{retired};
  auto m2 = merge_key_sets(local, r2, policy());
  ASSERT_TRUE(m2);
  EXPECT_EQ(find(*m2, "sk-a").state, KeyState::kRetired);
  EXPECT_EQ(find(*m2, "sk-a").retired_at, kT0 + 4h);
}

TEST(KeySetMerge, TwoActiveKeysTheOneActivatedLaterWinsAndTheOtherVerifiesLongEnough) {
  std::vector<ReplicatedKey> local{key("sk-a", KeyState::kActive, kT0 + 10s)};
  std::vector<ReplicatedKey> remote{key("sk-b", KeyState::kActive, kT0 + 20s)};
  auto m = merge_key_sets(local, remote, policy());
  ASSERT_TRUE(m);
  EXPECT_EQ(active_count(*m), 1);
  EXPECT_EQ(find(*m, "sk-b").state, KeyState::kActive);
  const ReplicatedKey& loser = find(*m, "sk-a");
  EXPECT_EQ(loser.state, KeyState::kVerifyOnly);
  EXPECT_EQ(loser.deactivated_at, kT0 + 20s);
  EXPECT_EQ(loser.verify_until, kT0 + 20s + 3600s + 600s);
  ASSERT_EQ(m->demoted.size(), 1u);
  EXPECT_EQ(m->demoted[0], "sk-a");
  EXPECT_TRUE(m->differs_from_local);
  EXPECT_TRUE(m->differs_from_remote);  // the remote lacks sk-a: it must learn the merge
  // Symmetric: the other side computes the same set.
  auto other = merge_key_sets(remote, local, policy());
  ASSERT_TRUE(other);
  EXPECT_TRUE(same_key_set(other->keys, m->keys));
  // Idempotent: merging the result with either input changes nothing.
  auto again = merge_key_sets(m->keys, local, policy());
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->differs_from_local);
  auto again2 = merge_key_sets(m->keys, remote, policy());
  ASSERT_TRUE(again2);
  EXPECT_FALSE(again2->differs_from_local);
}

TEST(KeySetMerge, EqualActivationTimesTheLargerKeyIdWins) {
  std::vector<ReplicatedKey> local{key("sk-b", KeyState::kActive, kT0)};
  std::vector<ReplicatedKey> remote{key("sk-a", KeyState::kActive, kT0)};
  auto m = merge_key_sets(local, remote, policy());
  ASSERT_TRUE(m);
  EXPECT_EQ(find(*m, "sk-b").state, KeyState::kActive);
  EXPECT_EQ(find(*m, "sk-a").state, KeyState::kVerifyOnly);
  EXPECT_EQ(find(*m, "sk-a").deactivated_at, kT0);
}

TEST(KeySetMerge, ADemotedKeyKeepsAHigherVerifyFloor) {
  ReplicatedKey a = key("sk-a", KeyState::kActive, kT0);
  a.verify_until = kT0 + 100h;  // floor from a policy that shrank
  std::vector<ReplicatedKey> local{a};
  std::vector<ReplicatedKey> remote{key("sk-b", KeyState::kActive, kT0 + 1h)};
  auto m = merge_key_sets(local, remote, policy());
  ASSERT_TRUE(m);
  EXPECT_EQ(find(*m, "sk-a").verify_until, kT0 + 100h);
}

TEST(KeySetMerge, SameStateTimestampsCombineSymmetrically) {
  std::vector<ReplicatedKey> local{verify_only("sk-a", kT0, kT0 + 1h, kT0 + 5h)};
  std::vector<ReplicatedKey> remote{verify_only("sk-a", kT0, kT0 + 2h, kT0 + 6h)};
  auto m = merge_key_sets(local, remote, policy());
  auto n = merge_key_sets(remote, local, policy());
  ASSERT_TRUE(m && n);
  EXPECT_EQ(find(*m, "sk-a").deactivated_at, kT0 + 1h);
  EXPECT_EQ(find(*m, "sk-a").verify_until, kT0 + 6h);
  EXPECT_TRUE(same_key_set(m->keys, n->keys));
  EXPECT_TRUE(m->differs_from_local);
  EXPECT_TRUE(m->differs_from_remote);
}

TEST(KeySetMerge, OneKeyIdWithTwoCertificatesIsAConflict) {
  std::vector<ReplicatedKey> local{key("sk-a", KeyState::kActive, kT0)};
  ReplicatedKey other = key("sk-a", KeyState::kActive, kT0);
  other.certificate_sha256 = "something-else";
  std::vector<ReplicatedKey> remote{other};
  auto m = merge_key_sets(local, remote, policy());
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, Errc::kConflict);
}

TEST(KeySetMerge, ResultIsSortedByKeyIdAndHasNoDuplicates) {
  std::vector<ReplicatedKey> local{key("sk-c", KeyState::kPending),
                                   key("sk-a", KeyState::kPending)};
  std::vector<ReplicatedKey> remote{key("sk-b", KeyState::kPending),
                                    key("sk-a", KeyState::kPending)};
  auto m = merge_key_sets(local, remote, policy());
  ASSERT_TRUE(m);
  ASSERT_EQ(m->keys.size(), 3u);
  EXPECT_EQ(m->keys[0].key_id, "sk-a");
  EXPECT_EQ(m->keys[1].key_id, "sk-b");
  EXPECT_EQ(m->keys[2].key_id, "sk-c");
}

TEST(KeySetMerge, SameKeySetComparesLifecycleNotOrder) {
  std::vector<ReplicatedKey> a{key("sk-a", KeyState::kPending),
                               key("sk-b", KeyState::kActive, kT0)};
  std::vector<ReplicatedKey> b{key("sk-b", KeyState::kActive, kT0),
                               key("sk-a", KeyState::kPending)};
  EXPECT_TRUE(same_key_set(a, b));
  b[0].activated_at = kT0 + 1s;
  EXPECT_FALSE(same_key_set(a, b));
  b.pop_back();
  EXPECT_FALSE(same_key_set(a, b));
}

}  // namespace
}  // namespace sigil::keys
