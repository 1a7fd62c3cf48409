#pragma once
// Sends certificate alarm notifications to an operator's webhook: one JSON POST per notified or
// cleared alarm, after the pass committed it (never in dry runs):
//
//   {"event":"alarm.notified","tenant":"vsphere.local","kind":"signing-cert.expiry",
//    "subject":"sk-...","severity":"critical","message":"...","at":"2031-...Z"}
//
// A delivery that fails (unreachable, non-2xx) is logged (alarm.webhook_failed, warn) and
// counted in sigil_alarm_webhook_deliveries_total{result="failure"}; the alarm itself is in
// PostgreSQL regardless, and the next notification is sent on schedule. https URLs are verified
// against the given CA bundle.
//
// Thread-safety: deliver() may be called from any thread.

#include <string>

#include "certmgr/renew/scheduler.hpp"
#include "sigil/base/log.hpp"
#include "sigil/metrics/registry.hpp"

namespace sigil::certmgr::alarms {

/// Registers sigil_alarm_webhook_deliveries_total{result} (also when no webhook is configured,
/// so the family is always visible on /metrics).
metrics::CounterFamily& webhook_deliveries(metrics::Registry& metrics);

class Webhook {
 public:
  Webhook(std::string url, std::string trust_pem, const log::Logger& log,
          metrics::Registry& metrics);

  /// POSTs `event` (alarm.notified or alarm.cleared) as of `at`; other events are ignored.
  void deliver(const PassEvent& event, TimePoint at);

 private:
  const std::string url_;
  const std::string trust_pem_;
  const log::Logger& log_;
  metrics::CounterFamily& deliveries_;
};

}  // namespace sigil::certmgr::alarms
