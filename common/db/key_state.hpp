#pragma once
// Internal to common/db: a stored key's state (SigningKeyState, the signing_keys.state column)
// as the key-set rules of common/keys name it. Used by KeySetStore and PeerStore.
//
// Thread-safety: a pure function.

#include "sigil/db/signing_key_store.hpp"
#include "sigil/keys/key_set.hpp"

namespace sigil::db::internal {

inline keys::KeyState key_state_of(SigningKeyState s) noexcept {
  switch (s) {
    case SigningKeyState::kPending:
      return keys::KeyState::kPending;
    case SigningKeyState::kActive:
      return keys::KeyState::kActive;
    case SigningKeyState::kVerifyOnly:
      return keys::KeyState::kVerifyOnly;
    case SigningKeyState::kRetired:
      return keys::KeyState::kRetired;
  }
  return keys::KeyState::kPending;
}

}  // namespace sigil::db::internal
