// The key set model: states, transitions, the retention rule and the planning functions.

#include "sigil/keys/key_set.hpp"

#include <gtest/gtest.h>

namespace sigil::keys {
namespace {

using namespace std::chrono_literals;

const TimePoint kT0 = TimePoint(std::chrono::seconds(1'800'000'000));

// vCenter defaults: tolerance 600 s, bearer 300 s, HoK 30 days, 10 renewals.
RetentionPolicy vcenter_policy() {
  RetentionPolicy p;
  p.clock_tolerance = 600s;
  p.max_bearer_lifetime = 300s;
  p.max_hok_lifetime = 2'592'000s;
  p.max_renew_count = 10;
  return p;
}

KeyRecord key(std::string id, KeyState state) {
  KeyRecord k;
  k.key_id = std::move(id);
  k.state = state;
  k.not_before = kT0 - 24h;
  k.not_after = kT0 + 24h * 3650;
  if (state != KeyState::kPending) k.activated_at = kT0 - 48h;
  if (state == KeyState::kVerifyOnly || state == KeyState::kRetired) {
    k.deactivated_at = kT0 - 24h;
    k.verify_until = kT0 + 1h;
  }
  return k;
}

TEST(KeyState, NamesRoundTripAndUnknownNameIsInvalidArgument) {
  for (KeyState s :
       {KeyState::kPending, KeyState::kActive, KeyState::kVerifyOnly, KeyState::kRetired}) {
    auto parsed = parse_state(state_name(s));
    ASSERT_TRUE(parsed) << parsed.error();
    EXPECT_EQ(*parsed, s);
  }
  EXPECT_EQ(state_name(KeyState::kVerifyOnly), "verify-only");
  auto bad = parse_state("revoked");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::kInvalidArgument);
}

TEST(KeyState, OnlyTheLifecycleTransitionsAreAllowed) {
  EXPECT_TRUE(can_transition(KeyState::kPending, KeyState::kActive));
  EXPECT_TRUE(can_transition(KeyState::kPending, KeyState::kRetired));
  EXPECT_TRUE(can_transition(KeyState::kActive, KeyState::kVerifyOnly));
  EXPECT_TRUE(can_transition(KeyState::kVerifyOnly, KeyState::kRetired));
  EXPECT_FALSE(can_transition(KeyState::kActive, KeyState::kRetired));
  EXPECT_FALSE(can_transition(KeyState::kActive, KeyState::kPending));
  EXPECT_FALSE(can_transition(KeyState::kVerifyOnly, KeyState::kActive));
  EXPECT_FALSE(can_transition(KeyState::kRetired, KeyState::kActive));
  EXPECT_FALSE(can_transition(KeyState::kRetired, KeyState::kPending));
  EXPECT_FALSE(can_transition(KeyState::kPending, KeyState::kVerifyOnly));
  auto r = check_transition("k1", KeyState::kRetired, KeyState::kActive);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kConflict);
  EXPECT_EQ(r.error().message, "signing key k1 is retired and cannot become active");
}

TEST(Retention, MaxLifetimeCountsEveryRenewalOfAHokToken) {
  const RetentionPolicy p = vcenter_policy();
  EXPECT_EQ(max_token_lifetime(p), 2'592'000s * 11);
  EXPECT_EQ(retention_period(p), 2'592'000s * 11 + 600s);
  EXPECT_EQ(verify_until(p, kT0), kT0 + 2'592'000s * 11 + 600s);
}

TEST(Retention, BearerLifetimeWinsWhenItIsLonger) {
  RetentionPolicy p;
  p.clock_tolerance = 60s;
  p.max_bearer_lifetime = 7200s;
  p.max_hok_lifetime = 600s;
  p.max_renew_count = 2;
  EXPECT_EQ(max_token_lifetime(p), 7200s);
  EXPECT_EQ(verify_until(p, kT0), kT0 + 7260s);
  p.max_renew_count = 20;  // 600 * 21 = 12600 > 7200
  EXPECT_EQ(max_token_lifetime(p), 12600s);
}

TEST(KeySet, InvariantsRefuseTwoActiveKeys) {
  std::vector<KeyRecord> keys{key("a", KeyState::kActive), key("b", KeyState::kActive)};
  auto r = check_invariants(keys);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kInternal);
  keys[1].state = KeyState::kVerifyOnly;
  keys[1].verify_until.reset();
  EXPECT_FALSE(check_invariants(keys));
  keys[1].verify_until = kT0;
  EXPECT_TRUE(check_invariants(keys));
}

TEST(KeySet, ActivationMovesThePreviousActiveKeyToVerifyOnlyByTheRetentionRule) {
  const RetentionPolicy p = vcenter_policy();
  std::vector<KeyRecord> keys{key("old", KeyState::kActive), key("new", KeyState::kPending),
                              key("older", KeyState::kVerifyOnly)};
  auto plan = plan_activation(keys, "new", p, kT0);
  ASSERT_TRUE(plan) << plan.error();
  EXPECT_EQ(plan->key_id, "new");
  EXPECT_EQ(plan->at, kT0);
  ASSERT_TRUE(plan->previous_key);
  EXPECT_EQ(*plan->previous_key, "old");
  EXPECT_EQ(plan->previous_verify_until, kT0 + 2'592'000s * 11 + 600s);
}

TEST(KeySet, ActivationNeverGoesBackBeforeThePreviousActivation) {
  std::vector<KeyRecord> keys{key("old", KeyState::kActive), key("new", KeyState::kPending)};
  keys[0].activated_at = kT0 + 10s;  // a writer with a clock ahead of ours
  auto plan = plan_activation(keys, "new", vcenter_policy(), kT0);
  ASSERT_TRUE(plan) << plan.error();
  EXPECT_EQ(plan->at, kT0 + 10s);
  EXPECT_EQ(plan->previous_verify_until, kT0 + 10s + 2'592'000s * 11 + 600s);
}

TEST(KeySet, ShrunkPolicyKeepsTheActiveKeysVerifyFloor) {
  std::vector<KeyRecord> keys{key("old", KeyState::kActive), key("new", KeyState::kPending)};
  keys[0].verify_until = kT0 + 24h * 400;
  auto plan = plan_activation(keys, "new", vcenter_policy(), kT0);
  ASSERT_TRUE(plan) << plan.error();
  EXPECT_EQ(plan->previous_verify_until, kT0 + 24h * 400);
}

TEST(KeySet, FirstActivationHasNoPreviousKey) {
  std::vector<KeyRecord> keys{key("only", KeyState::kPending)};
  auto plan = plan_activation(keys, "only", vcenter_policy(), kT0);
  ASSERT_TRUE(plan) << plan.error();
  EXPECT_FALSE(plan->previous_key);
  EXPECT_FALSE(plan->previous_verify_until);
}

TEST(KeySet, ActivationRefusesUnknownNonPendingAndOutOfValidityKeys) {
  const RetentionPolicy p = vcenter_policy();
  std::vector<KeyRecord> keys{key("act", KeyState::kActive), key("vo", KeyState::kVerifyOnly),
                              key("expired", KeyState::kPending), key("future", KeyState::kPending),
                              key("soon", KeyState::kPending)};
  keys[2].not_after = kT0;
  keys[3].not_before = kT0 + 601s;
  keys[4].not_before = kT0 + 600s;  // within the clock tolerance: fine
  auto missing = plan_activation(keys, "nope", p, kT0);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::kKeyNotFound);
  auto active = plan_activation(keys, "act", p, kT0);
  ASSERT_FALSE(active);
  EXPECT_EQ(active.error().code, Errc::kConflict);
  auto verify_only = plan_activation(keys, "vo", p, kT0);
  ASSERT_FALSE(verify_only);
  EXPECT_EQ(verify_only.error().code, Errc::kConflict);
  auto expired = plan_activation(keys, "expired", p, kT0);
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().code, Errc::kInvalidTimeRange);
  EXPECT_NE(expired.error().message.find("expired"), std::string::npos);
  auto future = plan_activation(keys, "future", p, kT0);
  ASSERT_FALSE(future);
  EXPECT_EQ(future.error().code, Errc::kInvalidTimeRange);
  EXPECT_TRUE(plan_activation(keys, "soon", p, kT0));
}

TEST(KeySet, ActivationRefusesASetThatAlreadyBreaksTheInvariants) {
  std::vector<KeyRecord> keys{key("a", KeyState::kActive), key("b", KeyState::kActive),
                              key("c", KeyState::kPending)};
  auto plan = plan_activation(keys, "c", vcenter_policy(), kT0);
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().code, Errc::kInternal);
}

TEST(KeySet, RetiredKeyStillVerifiesUntilLastTokenExpires) {
  std::vector<KeyRecord> keys{key("vo", KeyState::kVerifyOnly), key("act", KeyState::kActive),
                              key("pend", KeyState::kPending), key("ret", KeyState::kRetired)};
  // verify_until is kT0 + 1h: one microsecond before it, it still verifies.
  EXPECT_TRUE(due_for_retirement(keys, kT0 + 1h - 1us).empty());
  EXPECT_EQ(due_for_retirement(keys, kT0 + 1h), std::vector<std::string>{"vo"});
  EXPECT_EQ(due_for_retirement(keys, kT0 + 24h * 365), std::vector<std::string>{"vo"});
}

TEST(KeySet, RemovingAVerifyOnlyKeyBeforeVerifyUntilIsUnsafe) {
  const RetentionPolicy p = vcenter_policy();
  const KeyRecord vo = key("vo", KeyState::kVerifyOnly);
  auto impact = plan_removal(vo, p, kT0, {});
  EXPECT_FALSE(impact.safe);
  EXPECT_EQ(impact.at_risk_until, kT0 + 1h);
  EXPECT_NE(impact.summary.find("retiring on schedule strands none"), std::string::npos);
  auto later = plan_removal(vo, p, kT0 + 1h, {});
  EXPECT_TRUE(later.safe) << later.summary;
  EXPECT_NE(later.summary.find("due for retirement"), std::string::npos);
}

TEST(KeySet, RemovalListsLiveTokensFromTheIssueLogIncludingTolerance) {
  const RetentionPolicy p = vcenter_policy();
  KeyRecord vo = key("vo", KeyState::kVerifyOnly);
  vo.verify_until = kT0 - 1s;  // by the rule it is done, but the log says otherwise
  std::vector<IssuedToken> issued{{"t1", "vo", kT0 - 599s},    // within tolerance: live
                                  {"t2", "vo", kT0 - 600s},    // tolerance over: dead
                                  {"t3", "other", kT0 + 1h}};  // another key
  auto impact = plan_removal(vo, p, kT0, issued);
  EXPECT_FALSE(impact.safe);
  ASSERT_EQ(impact.live_tokens.size(), 1u);
  EXPECT_EQ(impact.live_tokens[0].token_id, "t1");
}

TEST(KeySet, RemovingTheActiveKeyStrandsItsWholeWindowAndAPendingKeyNothing) {
  const RetentionPolicy p = vcenter_policy();
  auto active = plan_removal(key("act", KeyState::kActive), p, kT0, {});
  EXPECT_FALSE(active.safe);
  EXPECT_EQ(active.at_risk_until, verify_until(p, kT0));
  auto pending = plan_removal(key("pend", KeyState::kPending), p, kT0, {});
  EXPECT_TRUE(pending.safe);
  EXPECT_FALSE(pending.at_risk_until);
  auto retired = plan_removal(key("ret", KeyState::kRetired), p, kT0, {});
  EXPECT_TRUE(retired.safe);
}

}  // namespace
}  // namespace sigil::keys
