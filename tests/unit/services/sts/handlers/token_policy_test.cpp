#include "sts/handlers/token_policy.hpp"

#include <gtest/gtest.h>

namespace sigil::sts::handlers {
namespace {

using namespace std::chrono;

const TimePoint kNow = sys_days{year{2026} / 5 / 1} + hours{9} + microseconds{123456};

TEST(TokenPolicy, WithoutARequestedLifetimeTheMaximumIsGrantedFromNowInMilliseconds) {
  auto v = grant_validity(std::nullopt, kNow, seconds{300});
  ASSERT_TRUE(v);
  EXPECT_EQ(v->not_before, floor<milliseconds>(kNow));
  EXPECT_EQ(v->not_on_or_after - v->not_before, seconds{300});
}

TEST(TokenPolicy, ALongerRequestIsClampedNotRefused) {
  RequestedLifetime asked{kNow, kNow + hours{24}};
  auto v = grant_validity(asked, kNow, seconds{600});
  ASSERT_TRUE(v);
  EXPECT_EQ(v->not_on_or_after - v->not_before, seconds{600});
}

TEST(TokenPolicy, AShorterRequestIsGrantedAsAsked) {
  RequestedLifetime asked{kNow, kNow + minutes{5}};
  auto v = grant_validity(asked, kNow, hours{1});
  ASSERT_TRUE(v);
  EXPECT_EQ(v->not_on_or_after - v->not_before, minutes{5});
}

TEST(TokenPolicy, TheLengthIsTakenFromTheRequestEvenIfTheClientClockIsOff) {
  RequestedLifetime asked{kNow - hours{3}, kNow - hours{3} + minutes{5}};
  auto v = grant_validity(asked, kNow, hours{1});
  ASSERT_TRUE(v);
  EXPECT_EQ(v->not_before, floor<milliseconds>(kNow));
  EXPECT_EQ(v->not_on_or_after - v->not_before, minutes{5});
}

TEST(TokenPolicy, ADerivedTokenEndsNoLaterThanItsSource) {
  auto v = grant_validity(std::nullopt, kNow, hours{24}, kNow + minutes{7});
  ASSERT_TRUE(v);
  EXPECT_EQ(v->not_on_or_after, floor<milliseconds>(kNow + minutes{7}));
}

TEST(TokenPolicy, ALifetimeEndingBeforeItStartsOrNothingLeftIsAnInvalidTimeRange) {
  RequestedLifetime backwards{kNow, kNow - seconds{1}};
  EXPECT_EQ(grant_validity(backwards, kNow, hours{1}).error().code, Errc::kInvalidTimeRange);
  EXPECT_EQ(grant_validity(std::nullopt, kNow, hours{1}, kNow - seconds{1}).error().code,
            Errc::kInvalidTimeRange);
}

// A delegated token as ActAs makes it: 5 minutes of the user's bearer token, acted on by svc.
saml::AssertionSpec delegated_source() {
  saml::AssertionSpec s;
  s.subject_upn = "Administrator@VSPHERE.LOCAL";
  s.not_before = kNow;
  s.not_on_or_after = kNow + minutes{5};
  s.chain_not_on_or_after = kNow + minutes{5};
  s.proxy_count = 9;
  s.renew_count = 10;
  s.delegates = {{"svc@VSPHERE.LOCAL", kNow}};
  s.confirmation_upn = "svc@VSPHERE.LOCAL";
  return s;
}

DerivationRequest everything() {
  return DerivationRequest{true, true, 10, 10};
}

TEST(TokenDerivation, TokenByTokenOfADelegatedTokenKeepsItsChainAndCap) {
  Derivation d = derive_by_token(delegated_source(), everything());
  EXPECT_EQ(d.cap, kNow + minutes{5});
  EXPECT_EQ(d.chain_cap, kNow + minutes{5});
  ASSERT_EQ(d.delegates.size(), 1u);
  EXPECT_EQ(d.delegates[0].upn, "svc@VSPHERE.LOCAL");
  EXPECT_EQ(d.confirmation_upn, "svc@VSPHERE.LOCAL");
  EXPECT_EQ(d.proxy_count, 9);
  EXPECT_EQ(d.renew_count, 10);
  // Asking for the tenant's 30 days still ends at the cap.
  auto v = grant_validity(std::nullopt, kNow + minutes{1}, hours{24 * 30}, d.cap);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->not_on_or_after, floor<milliseconds>(kNow + minutes{5}));
}

TEST(TokenDerivation, TokenByTokenNeverRaisesCountsAndNeverOutlivesADirectSource) {
  saml::AssertionSpec direct;
  direct.not_on_or_after = kNow + hours{2};
  direct.renew_count = 2;
  direct.proxy_count = 0;
  Derivation d = derive_by_token(direct, everything());
  EXPECT_EQ(d.cap, kNow + hours{2});
  EXPECT_FALSE(d.chain_cap);
  EXPECT_EQ(d.renew_count, 2);
  EXPECT_EQ(d.proxy_count, 0);
  EXPECT_TRUE(d.delegates.empty());
  EXPECT_FALSE(d.confirmation_upn);
  Derivation plain = derive_by_token(direct, DerivationRequest{false, false, 10, 10});
  EXPECT_EQ(plain.renew_count, 0);
  // A lowered tenant maximum lowers the derived count too.
  EXPECT_EQ(derive_by_token(direct, DerivationRequest{true, true, 1, 10}).renew_count, 1);
}

TEST(TokenDerivation, ActAsAppendsTheActorAndCapsAtTheSourcesChainEnd) {
  saml::AssertionSpec user;
  user.not_on_or_after = kNow + minutes{5};
  user.proxy_count = 10;
  user.renew_count = 10;
  auto d = derive_act_as(user, everything(), "svc@VSPHERE.LOCAL", kNow + seconds{3});
  ASSERT_TRUE(d) << d.error();
  EXPECT_EQ(d->cap, kNow + minutes{5});
  EXPECT_EQ(d->chain_cap, kNow + minutes{5});
  EXPECT_EQ(d->proxy_count, 9);
  EXPECT_EQ(d->renew_count, 10);
  ASSERT_EQ(d->delegates.size(), 1u);
  EXPECT_EQ(d->delegates[0].upn, "svc@VSPHERE.LOCAL");
  EXPECT_EQ(d->confirmation_upn, "svc@VSPHERE.LOCAL");
  // A second ActAs by another solution user keeps the first delegate and the earlier cap.
  saml::AssertionSpec first = delegated_source();
  first.not_on_or_after = kNow + minutes{4};
  auto second = derive_act_as(first, everything(), "svc2@VSPHERE.LOCAL", kNow);
  ASSERT_TRUE(second) << second.error();
  EXPECT_EQ(second->cap, kNow + minutes{4});
  ASSERT_EQ(second->delegates.size(), 2u);
  EXPECT_EQ(second->delegates[0].upn, "svc@VSPHERE.LOCAL");
  EXPECT_EQ(second->delegates[1].upn, "svc2@VSPHERE.LOCAL");
  EXPECT_EQ(second->proxy_count, 8);
}

TEST(TokenDerivation, ActAsOfANonDelegableTokenIsPermissionDenied) {
  saml::AssertionSpec user;
  user.not_on_or_after = kNow + minutes{5};
  user.proxy_count = 0;
  auto d = derive_act_as(user, everything(), "svc@VSPHERE.LOCAL", kNow);
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code, Errc::kPermissionDenied);
}

TEST(TokenDerivation, ActAsRenewCountNeverExceedsTheSources) {
  saml::AssertionSpec user;
  user.not_on_or_after = kNow + minutes{5};
  user.proxy_count = 10;
  user.renew_count = 0;
  auto d = derive_act_as(user, everything(), "svc@VSPHERE.LOCAL", kNow);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->renew_count, 0);
}

TEST(TokenDerivation, RenewalOfADelegatedTokenStaysWithinTheChainCap) {
  auto d = derive_renewal(delegated_source(), everything());
  ASSERT_TRUE(d) << d.error();
  EXPECT_EQ(d->cap, kNow + minutes{5});
  EXPECT_EQ(d->renew_count, 9);
  EXPECT_EQ(d->proxy_count, 9);
  EXPECT_EQ(d->delegates.size(), 1u);
  EXPECT_EQ(d->confirmation_upn, "svc@VSPHERE.LOCAL");
  auto v = grant_validity(std::nullopt, kNow + minutes{4}, hours{24 * 30}, d->cap);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->not_on_or_after, floor<milliseconds>(kNow + minutes{5}));
  // Once the cap has passed nothing is left to renew.
  EXPECT_EQ(grant_validity(std::nullopt, kNow + minutes{5}, hours{1}, d->cap).error().code,
            Errc::kInvalidTimeRange);
}

TEST(TokenDerivation, RenewalOfADirectTokenExtendsButSpendsARenewal) {
  saml::AssertionSpec direct;
  direct.not_on_or_after = kNow + hours{1};
  direct.renew_count = 1;
  auto d = derive_renewal(direct, everything());
  ASSERT_TRUE(d);
  EXPECT_FALSE(d->cap);
  EXPECT_EQ(d->renew_count, 0);
  direct.renew_count = 0;
  auto none = derive_renewal(direct, everything());
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, Errc::kUnableToRenew);
}

// A delegated token without a chain cap (issued before tokens carried one, or by a replica not
// yet upgraded) must not count as first-hand: renewed or exchanged, it would come back with the
// tenant's full lifetime and no cap, again and again.
TEST(TokenDerivation, ADelegatedTokenWithoutACapIsCappedAtItsOwnEnd) {
  saml::AssertionSpec old = delegated_source();
  old.chain_not_on_or_after.reset();
  EXPECT_EQ(chain_cap_of(old), kNow + minutes{5});
  auto renewed = derive_renewal(old, everything());
  ASSERT_TRUE(renewed) << renewed.error();
  EXPECT_EQ(renewed->cap, kNow + minutes{5});
  EXPECT_EQ(renewed->chain_cap, kNow + minutes{5});
  auto v = grant_validity(std::nullopt, kNow + minutes{1}, hours{24 * 30}, renewed->cap);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->not_on_or_after, floor<milliseconds>(kNow + minutes{5}));
  Derivation exchanged = derive_by_token(old, everything());
  EXPECT_EQ(exchanged.cap, kNow + minutes{5});
  EXPECT_EQ(exchanged.chain_cap, kNow + minutes{5});
  // Either mark of delegation is enough.
  saml::AssertionSpec only_delegates = old;
  only_delegates.confirmation_upn.reset();
  EXPECT_EQ(chain_cap_of(only_delegates), kNow + minutes{5});
  saml::AssertionSpec only_actor = old;
  only_actor.delegates.clear();
  EXPECT_EQ(chain_cap_of(only_actor), kNow + minutes{5});
  // A first-hand token has no cap.
  saml::AssertionSpec direct;
  direct.not_on_or_after = kNow + hours{1};
  EXPECT_FALSE(chain_cap_of(direct));
}

TEST(TokenDerivation, TheChainEndIsTheEarlierOfTokenEndAndCap) {
  saml::AssertionSpec s;
  s.not_on_or_after = kNow + hours{1};
  EXPECT_EQ(chain_end(s), kNow + hours{1});
  s.chain_not_on_or_after = kNow + minutes{1};
  EXPECT_EQ(chain_end(s), kNow + minutes{1});
  s.chain_not_on_or_after = kNow + hours{2};
  EXPECT_EQ(chain_end(s), kNow + hours{1});
}

}  // namespace
}  // namespace sigil::sts::handlers
