#pragma once
// Rotation under load (issue 5): steady issue + validate load on sigil-sts while the tenant's
// signing key is rotated several times with `sigilctl signing-cert refresh`, which goes through
// sigil-certmgr's admin API (started here, see StsFixture::start_certmgr). Reports, per
// rotation, the propagation latency (from the moment the rotation command returned, i.e. its
// commit, until the first answer signed by the new key: the signing certificate in the token's
// ds:Signature KeyInfo changes) and the number of failed validations, which must be 0.
//
// Thread-safety: one thread (it drives the load generator and sigilctl from a helper thread).

#include <string>

#include "load_generator.hpp"
#include "sigil/base/result.hpp"
#include "sts_fixture.hpp"

namespace sigil::bench {

/// Starts sigil-certmgr, runs the rotation mode and prints its report. An error when certmgr
/// could not be started.
Result<void> run_rotation(StsFixture& fixture, const LoadOptions& base,
                          const std::string& issue_body, const std::string& token);

}  // namespace sigil::bench
