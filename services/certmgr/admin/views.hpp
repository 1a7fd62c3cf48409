#pragma once
// JSON views of key-set rows, changes, alarms and audit entries for the admin API
// (docs/admin-api.md names every field). Times are RFC 3339 UTC strings; absent ones are null.
//
// Thread-safety: pure functions.

#include <optional>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "sigil/base/clock.hpp"
#include "sigil/base/result.hpp"
#include "sigil/db/alarm_store.hpp"
#include "sigil/db/audit_log.hpp"
#include "sigil/db/key_set_store.hpp"

namespace sigil::certmgr::admin {

boost::json::value time_json(const std::optional<TimePoint>& t);
/// A key with its certificate's details (subject, issuer, serial, fingerprints, key); with
/// `with_pem` also the chain as PEM.
Result<boost::json::object> key_json(const db::SigningKeyRow& k, bool with_pem);
boost::json::object change_json(const db::KeySetChange& c);
boost::json::object alarm_json(const db::AlarmRow& a);
boost::json::object audit_json(const db::AuditRow& r);

}  // namespace sigil::certmgr::admin
