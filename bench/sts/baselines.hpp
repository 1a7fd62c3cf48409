#pragma once
// The baselines sigil_sts_bench divides by, measured in the same run on the same machine
// (docs/performance.md):
// - `openssl speed -multi N -seconds S rsa2048`: the physical limit of RSA-2048 signing on N
//   cores, the ceiling of the issue rate;
// - bench/xml's in-process XML-DSig sign and verify of a SAML assertion (sigil_bench_xml, one
//   thread), the ceiling of the validate rate per core.
//
// Thread-safety: functions run child processes and block; call from one thread.

#include <string>

#include "sigil/base/result.hpp"

namespace sigil::bench {

struct OpensslSpeed {
  double sign_per_s = 0;
  double verify_per_s = 0;
  std::string command;
};

/// Runs `openssl speed [-multi cores] -seconds seconds rsa2048` and parses its summary line.
/// kUnavailable when openssl cannot be run or prints no result.
Result<OpensslSpeed> openssl_speed_rsa2048(unsigned cores, int seconds);

struct XmlBenchRates {
  double sign_per_s = 0;    // sigil sign rsa2048 (sign + serialize), one thread
  double verify_per_s = 0;  // sigil verify rsa2048 (parse + verify), one thread
  std::string command;
};

/// Runs `xml_bench` (the sigil_bench_xml binary) on the RSA-2048 cases without its own openssl
/// baseline and parses its summary. kUnavailable when it fails or prints no result.
Result<XmlBenchRates> xml_bench_rsa2048(const std::string& xml_bench);

}  // namespace sigil::bench
