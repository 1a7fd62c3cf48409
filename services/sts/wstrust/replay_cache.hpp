#pragma once
// ReplayCache: the signed requests this replica has accepted, so that a signed WS-Security
// request is accepted once (docs/wstrust.md, "Replay").
//
// A request is named by a ReplayKey, the SHA-256 of the exclusive c14n of its ds:SignedInfo
// (replay_key() in security.hpp). SignedInfo is what the signature covers: it holds the digests
// of the Body and of the Timestamp, so two requests with the same key are the same signed
// request. Keying on SignedInfo rather than on the SignatureValue bytes also catches
// signatures that can be re-encoded without the key (an ECDSA (r, s) is also valid as
// (r, n - s)).
//
// Each entry is kept until `forget_after`, the last instant at which the server would still
// accept the request's Timestamp (timestamp_acceptable_until()); after that the Timestamp
// check refuses the request anyway, so forgetting it loses nothing.
//
// Bounded: at most `max_entries` entries. remember() first drops entries whose time has
// passed; when the cache is still full it refuses to record (kFull) rather than forget an entry
// still in force, so a full cache never lets a replay through: the caller refuses the request.
// Cost per call: O(log n) time (a std::map, so no hash flooding whatever keys come in, and a
// binary heap of expiry times), plus the amortised removal of expired entries; about 150 bytes
// per entry (an 80-byte map node with its 32-byte key, a 40-byte heap slot and the vector's
// slack), i.e. about 15 MB at 100 000 entries.
//
// The cache is in memory and per process: behind a load balancer a request replayed to another
// replica is not caught by this cache (docs/wstrust.md says what that means).
//
// Time is passed in (`now`), never read here, so tests move it without sleeping.
//
// Thread-safety: thread-safe (one mutex).

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <queue>
#include <utility>
#include <vector>

#include "sigil/base/clock.hpp"

namespace sigil::sts::wstrust {

using ReplayKey = std::array<std::uint8_t, 32>;

enum class ReplayVerdict {
  kFresh,     // not seen before (or forgotten after its time): now recorded
  kReplayed,  // recorded earlier and still in force: refuse the request
  kFull,      // not seen, but the cache is full of entries in force: not recorded, refuse
};

class ReplayCache {
 public:
  explicit ReplayCache(std::size_t max_entries) : max_entries_(max_entries) {}

  /// Records `key` until `forget_after` (see above) and says whether it was new.
  ReplayVerdict remember(const ReplayKey& key, TimePoint forget_after, TimePoint now);

  /// Entries recorded and not yet dropped (some may already be past their time).
  std::size_t size() const;
  std::size_t max_entries() const { return max_entries_; }

 private:
  using Expiry = std::pair<TimePoint, ReplayKey>;

  void drop_expired(TimePoint now);  // mu_ held

  const std::size_t max_entries_;
  mutable std::mutex mu_;  // guards the two below
  std::map<ReplayKey, TimePoint> seen_;
  std::priority_queue<Expiry, std::vector<Expiry>, std::greater<>> expiry_;
};

}  // namespace sigil::sts::wstrust
