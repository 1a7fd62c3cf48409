// ReplayCache: a signed request is accepted once while it could still be accepted, the cache
// never holds more than its bound, and when full it refuses rather than forgets; one signer
// holds at most its quota and, at it, is refused alone while others are served. replay_key:
// the same signed request gives the same key, another request another key. Time comes from a
// ManualClock; nothing sleeps.
#include "sts/wstrust/replay_cache.hpp"

#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "sts/wstrust/security.hpp"
#include "wstrust_fixtures.hpp"

namespace sigil::sts::wstrust {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace): this suite's fixtures
using std::chrono::seconds;

ReplayKey key(std::uint8_t n) {
  ReplayKey k{};
  k[0] = n;
  return k;
}

// A signer of its own for each key, so that only the cache's bound can refuse.
std::string signer(int n) { return "signer" + std::to_string(n); }

class ReplayCacheTest : public ::testing::Test {
 protected:
  ManualClock clock_{TimePoint{} + std::chrono::hours(24 * 365 * 56)};
  TimePoint in(seconds s) const { return clock_.now() + s; }
};

TEST_F(ReplayCacheTest, SecondSightingWithinTheWindowIsAReplay) {
  ReplayCache cache(10, 10);
  EXPECT_EQ(cache.remember(key(1), "s", in(seconds(300)), clock_.now()), ReplayVerdict::kFresh);
  clock_.advance(seconds(299));
  EXPECT_EQ(cache.remember(key(1), "s", in(seconds(300)), clock_.now()), ReplayVerdict::kReplayed);
  EXPECT_EQ(cache.remember(key(2), "s", in(seconds(300)), clock_.now()), ReplayVerdict::kFresh);
  EXPECT_EQ(cache.size(), 2u);
}

TEST_F(ReplayCacheTest, EntryIsForgottenExactlyWhenItsTimeHasPassed) {
  ReplayCache cache(10, 10);
  const TimePoint until = in(seconds(60));
  ASSERT_EQ(cache.remember(key(1), "s", until, clock_.now()), ReplayVerdict::kFresh);
  clock_.set(until - std::chrono::nanoseconds(1));
  EXPECT_EQ(cache.remember(key(1), "s", until, clock_.now()), ReplayVerdict::kReplayed);
  clock_.set(until);
  // The Timestamp check refuses the request from here on; the cache may let go of it.
  EXPECT_EQ(cache.remember(key(2), "s", in(seconds(60)), clock_.now()), ReplayVerdict::kFresh);
  EXPECT_EQ(cache.size(), 1u) << "key 1 was dropped";
}

TEST_F(ReplayCacheTest, FullCacheRefusesNewKeysAndStillRecognisesReplays) {
  ReplayCache cache(3, 3);
  for (std::uint8_t i = 1; i <= 3; ++i) {
    ASSERT_EQ(cache.remember(key(i), signer(i), in(seconds(100 * i)), clock_.now()),
              ReplayVerdict::kFresh);
  }
  EXPECT_EQ(cache.remember(key(9), signer(9), in(seconds(100)), clock_.now()),
            ReplayVerdict::kFull);
  EXPECT_EQ(cache.remember(key(2), signer(2), in(seconds(100)), clock_.now()),
            ReplayVerdict::kReplayed);
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_EQ(cache.remember(key(9), signer(9), in(seconds(100)), clock_.now()), ReplayVerdict::kFull)
      << "a refused key was not recorded, and nothing in force was forgotten";
}

TEST_F(ReplayCacheTest, FullCacheMakesRoomOnlyFromExpiredEntries) {
  ReplayCache cache(2, 2);
  ASSERT_EQ(cache.remember(key(1), signer(1), in(seconds(10)), clock_.now()),
            ReplayVerdict::kFresh);
  ASSERT_EQ(cache.remember(key(2), signer(2), in(seconds(1000)), clock_.now()),
            ReplayVerdict::kFresh);
  clock_.advance(seconds(10));
  EXPECT_EQ(cache.remember(key(3), signer(3), in(seconds(10)), clock_.now()),
            ReplayVerdict::kFresh);
  EXPECT_EQ(cache.remember(key(2), signer(2), in(seconds(10)), clock_.now()),
            ReplayVerdict::kReplayed);
  EXPECT_EQ(cache.remember(key(4), signer(4), in(seconds(10)), clock_.now()), ReplayVerdict::kFull);
}

TEST_F(ReplayCacheTest, SizeNeverExceedsTheBound) {
  ReplayCache cache(100, 100);
  for (int i = 0; i < 1000; ++i) {
    ReplayKey k{};
    k[0] = static_cast<std::uint8_t>(i);
    k[1] = static_cast<std::uint8_t>(i >> 8);
    (void)cache.remember(k, "s", in(seconds(1 + i % 7)), clock_.now());
    if (i % 10 == 0) clock_.advance(seconds(1));
    ASSERT_LE(cache.size(), 100u);
  }
}

TEST_F(ReplayCacheTest, RequestAlreadyPastItsTimeIsNotKept) {
  ReplayCache cache(1, 1);
  EXPECT_EQ(cache.remember(key(1), "s", clock_.now(), clock_.now()), ReplayVerdict::kFresh);
  EXPECT_EQ(cache.size(), 0u);
}

TEST_F(ReplayCacheTest, QuotaIsASixteenthOfTheBoundAndAtLeastOne) {
  EXPECT_EQ(ReplayCache(100'000).max_per_signer(), 6'250u);
  EXPECT_EQ(ReplayCache(1'000).max_per_signer(), 62u);
  EXPECT_EQ(ReplayCache(10).max_per_signer(), 1u);
  EXPECT_EQ(ReplayCache(10, 0).max_per_signer(), 1u);
  EXPECT_EQ(ReplayCache(10, 50).max_per_signer(), 10u) << "never above the bound";
}

TEST_F(ReplayCacheTest, SignerAtItsQuotaIsRefusedWhileOthersAreServed) {
  ReplayCache cache(100, 3);
  for (std::uint8_t i = 1; i <= 3; ++i) {
    ASSERT_EQ(cache.remember(key(i), "mallory", in(seconds(1500)), clock_.now()),
              ReplayVerdict::kFresh);
  }
  EXPECT_EQ(cache.remember(key(4), "mallory", in(seconds(1500)), clock_.now()),
            ReplayVerdict::kSignerFull);
  EXPECT_EQ(cache.entries_of("mallory"), 3u) << "the refused request was not recorded";
  // Everybody else is served: the cache itself has room.
  EXPECT_EQ(cache.remember(key(5), "svc", in(seconds(900)), clock_.now()), ReplayVerdict::kFresh);
  EXPECT_EQ(cache.remember(key(6), "alice", in(seconds(900)), clock_.now()), ReplayVerdict::kFresh);
  EXPECT_EQ(cache.entries_of("svc"), 1u);
  EXPECT_EQ(cache.size(), 5u);
  // A replay is recognised whoever sends it, quota or not.
  EXPECT_EQ(cache.remember(key(2), "mallory", in(seconds(1500)), clock_.now()),
            ReplayVerdict::kReplayed);
  EXPECT_EQ(cache.remember(key(5), "mallory", in(seconds(1500)), clock_.now()),
            ReplayVerdict::kReplayed);
}

TEST_F(ReplayCacheTest, ExpiredEntriesGiveTheSignerItsQuotaBack) {
  ReplayCache cache(100, 2);
  ASSERT_EQ(cache.remember(key(1), "mallory", in(seconds(60)), clock_.now()),
            ReplayVerdict::kFresh);
  ASSERT_EQ(cache.remember(key(2), "mallory", in(seconds(1500)), clock_.now()),
            ReplayVerdict::kFresh);
  ASSERT_EQ(cache.remember(key(3), "mallory", in(seconds(60)), clock_.now()),
            ReplayVerdict::kSignerFull);
  clock_.advance(seconds(60));
  EXPECT_EQ(cache.remember(key(3), "mallory", in(seconds(60)), clock_.now()),
            ReplayVerdict::kFresh);
  EXPECT_EQ(cache.entries_of("mallory"), 2u);
  clock_.advance(seconds(1500));
  EXPECT_EQ(cache.remember(key(4), "svc", in(seconds(60)), clock_.now()), ReplayVerdict::kFresh);
  EXPECT_EQ(cache.entries_of("mallory"), 0u) << "all of mallory's entries were dropped";
  EXPECT_EQ(cache.size(), 1u);
}

TEST_F(ReplayCacheTest, OneSignerAloneCannotFillTheCache) {
  // The attack: one signer sending as fast as it can, each entry living 2T + max-age.
  ReplayCache cache(160);
  ASSERT_EQ(cache.max_per_signer(), 10u);
  int accepted = 0;
  for (int i = 0; i < 1000; ++i) {
    ReplayKey k{};
    k[0] = static_cast<std::uint8_t>(i);
    k[1] = static_cast<std::uint8_t>(i >> 8);
    if (cache.remember(k, "mallory", in(seconds(1500)), clock_.now()) == ReplayVerdict::kFresh) {
      ++accepted;
    }
  }
  EXPECT_EQ(accepted, 10);
  EXPECT_EQ(cache.size(), 10u);
  // Fifteen other signers still get their full share each.
  for (int s = 0; s < 15; ++s) {
    for (int i = 0; i < 10; ++i) {
      ReplayKey k{};
      k[0] = static_cast<std::uint8_t>(i);
      k[2] = static_cast<std::uint8_t>(s + 1);
      ASSERT_EQ(cache.remember(k, "svc" + std::to_string(s), in(seconds(900)), clock_.now()),
                ReplayVerdict::kFresh)
          << s << " " << i;
    }
  }
  // Now the cache is full: sixteen signers at their quota.
  EXPECT_EQ(cache.size(), 160u);
  ReplayKey last{};
  last[3] = 1;
  EXPECT_EQ(cache.remember(last, "alice", in(seconds(900)), clock_.now()), ReplayVerdict::kFull);
}

Request parsed(std::string_view body) {
  xml::XmlSecLibrary::ensure();
  auto r = parse_request(body, "", xml::ParseLimits{});
  if (!r) die("parse_request", r.error().to_string());
  return std::move(r).value();
}

TEST(WsTrustReplayKey, SameSignedRequestSameKeyAndAnotherRequestAnotherKey) {
  const std::string signed_request = go_hok(test_signer());
  auto a = replay_key(parsed(signed_request));
  auto b = replay_key(parsed(signed_request));
  ASSERT_TRUE(a.has_value()) << a.error();
  ASSERT_TRUE(b.has_value()) << b.error();
  EXPECT_EQ(*a, *b);
  const std::string other =
      sign_envelope(py_hok_unsigned(test_signer()), test_signer().key.get(), py_bst_spec());
  auto c = replay_key(parsed(other));
  ASSERT_TRUE(c.has_value()) << c.error();
  EXPECT_NE(*a, *c);
}

TEST(WsTrustReplayKey, UnsignedRequestHasNoKey) {
  auto k = replay_key(parsed(py_bearer("u", "p")));
  ASSERT_FALSE(k.has_value());
  EXPECT_EQ(k.error().code, Errc::kSignatureInvalid);
}

}  // namespace
}  // namespace sigil::sts::wstrust
