#include "certmgr/alarms/webhook.hpp"

#include <boost/json.hpp>

#include "sigil/base/time_format.hpp"
#include "sigil/http/client.hpp"

namespace sigil::certmgr::alarms {

metrics::CounterFamily& webhook_deliveries(metrics::Registry& metrics) {
  return metrics.counter("sigil_alarm_webhook_deliveries_total",
                         "Alarm notifications POSTed to --alarm-webhook-url, by result.",
                         {"result"});
}

Webhook::Webhook(std::string url, std::string trust_pem, const log::Logger& log,
                 metrics::Registry& metrics)
    : url_(std::move(url)),
      trust_pem_(std::move(trust_pem)),
      log_(log),
      deliveries_(webhook_deliveries(metrics)) {}

void Webhook::deliver(const PassEvent& event, TimePoint at) {
  if (event.action != "alarm.notified" && event.action != "alarm.cleared") return;
  std::string severity;
  std::string message = event.detail;
  if (event.action == "alarm.notified") {
    // Scheduler details read "<severity>: <message>".
    auto colon = event.detail.find(": ");
    if (colon != std::string::npos) {
      severity = event.detail.substr(0, colon);
      message = event.detail.substr(colon + 2);
    }
  }
  boost::json::object body{{"event", event.action},  {"tenant", event.tenant},
                           {"kind", event.kind},     {"subject", event.subject},
                           {"severity", severity},   {"message", message},
                           {"at", format_rfc3339(at)}};
  http::ClientRequest req;
  req.method = boost::beast::http::verb::post;
  req.url = url_;
  req.body = boost::json::serialize(body);
  req.content_type = "application/json";
  req.tls.trust_pem = trust_pem_;
  auto r = http::send(req);
  if (r && r->status >= 200 && r->status < 300) {
    deliveries_.with({{"result", "success"}}).inc();
    return;
  }
  deliveries_.with({{"result", "failure"}}).inc();
  log_.warn("alarm.webhook_failed",
            {{"url", url_}, {"event", event.action}, {"subject", event.subject},
             {"error", r ? "HTTP " + std::to_string(r->status) : r.error().message}});
}

}  // namespace sigil::certmgr::alarms
