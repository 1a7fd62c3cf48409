#include "sts/rest/publish_routes.hpp"

#include <boost/json.hpp>

#include "sigil/base/time_format.hpp"
#include "sigil/base/xml_text.hpp"
#include "sigil/crypto/x509.hpp"
#include "sigil/http/message.hpp"
#include "sigil/saml/names.hpp"

namespace sigil::sts::rest {
namespace {

namespace bhttp = boost::beast::http;
namespace json = boost::json;
using Keys = std::vector<const keys::TenantKeys::Key*>;

constexpr std::string_view kPemType = "application/x-pem-file";
constexpr std::string_view kMetadataType = "application/samlmetadata+xml";
constexpr std::string_view kMetadataNs = "urn:oasis:names:tc:SAML:2.0:metadata";
constexpr std::string_view kProtocolNs = "urn:oasis:names:tc:SAML:2.0:protocol";
constexpr std::string_view kRedirectBinding =
    "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";

// What every publishing request works from.
struct Published {
  handlers::TokenContext ctx;
  Keys keys;  // live keys, active first
  std::string etag;
};

std::string escape_attribute(std::string_view text) {
  std::string out;
  append_xml_escaped(out, text, XmlEscaping::kOneLineAttribute);
  return out;
}

// True when an If-None-Match list names `etag` (weak comparison, RFC 9110 section 13.1.2).
bool matches(std::string_view if_none_match, std::string_view etag) {
  while (!if_none_match.empty()) {
    auto comma = if_none_match.find(',');
    std::string_view tag = if_none_match.substr(0, comma);
    if_none_match = comma == std::string_view::npos ? "" : if_none_match.substr(comma + 1);
    while (!tag.empty() && (tag.front() == ' ' || tag.front() == '\t')) tag.remove_prefix(1);
    while (!tag.empty() && (tag.back() == ' ' || tag.back() == '\t')) tag.remove_suffix(1);
    if (tag == "*") return true;
    if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
    if (tag == etag) return true;
  }
  return false;
}

Result<Published> load(handlers::TokenCore& core, std::string_view tenant) {
  Published p;
  SIGIL_TRY(p.ctx, core.begin(tenant, "publish"));
  p.keys = handlers::TokenCore::live_keys(*p.ctx.keys, p.ctx.now);
  // Pending keys last: relying parties learn them before they sign (pre-publication).
  for (const auto& key : p.ctx.keys->pending) p.keys.push_back(&key);
  p.etag = "\"" + std::to_string(p.ctx.keys->generation) + "." + std::to_string(p.keys.size()) +
           "\"";
  return p;
}

void set_cache_headers(http::Response& res, const std::string& etag) {
  res.set(bhttp::field::etag, etag);
  res.set(bhttp::field::cache_control,
          "public, max-age=" + std::to_string(kMaxAgeSeconds));
}

Result<std::string> certificate_pem(X509* cert) { return crypto::write_certificate_pem(cert); }

Result<std::string> signing_certs_json(const Published& p) {
  json::array certs;
  for (const auto* key : p.keys) {
    SIGIL_TRY(crypto::CertInfo info, crypto::describe(key->cert.get()));
    SIGIL_TRY(std::string pem, certificate_pem(key->cert.get()));
    json::array chain;
    for (const auto& c : key->chain) {
      SIGIL_TRY(std::string chain_pem, certificate_pem(c.get()));
      chain.emplace_back(chain_pem);
    }
    json::object o;
    o["key_id"] = key->key_id;
    o["state"] = key->state;
    o["algorithm"] = key->algorithm;
    o["not_before"] = format_rfc3339(info.not_before);
    o["not_after"] = format_rfc3339(info.not_after);
    o["verify_until"] =
        key->verify_until ? json::value(format_time_ms(*key->verify_until)) : json::value(nullptr);
    o["sha256_fingerprint"] = info.sha256_fingerprint;
    o["subject"] = info.subject;
    o["pem"] = pem;
    o["chain"] = std::move(chain);
    certs.emplace_back(std::move(o));
  }
  json::object doc;
  doc["tenant"] = p.ctx.policy.name;
  doc["issuer"] = p.ctx.issuer;
  doc["generation"] = p.ctx.keys->generation;
  doc["signing_certs"] = std::move(certs);
  return json::serialize(doc);
}

Result<std::string> signing_certs_pem(const Published& p) {
  std::string out;
  for (const auto* key : p.keys) {
    SIGIL_TRY(std::string pem, certificate_pem(key->cert.get()));
    out += pem;
  }
  return out;
}

Result<std::string> metadata(const handlers::TokenCore& core, const Published& p) {
  return saml_metadata(p.ctx.issuer,
                       core.issuer_base() + "/websso/SAML2/SSO/" + p.ctx.policy.name, p.keys);
}

using Render = Result<std::string> (*)(const handlers::TokenCore&, const Published&);

http::Response answer(Render render, std::string_view content_type, handlers::TokenCore& core,
                      const log::Logger& log, http::Request& r) {
  auto published = load(core, r.param("tenant"));
  auto body = published ? render(core, *published) : unexpected(published.error());
  if (!body) {
    const Error& error = body.error();
    r.fault = std::string(errc_name(error.code));
    if (error.code != Errc::kNotFound) {
      log.warn("publish.error", {{"tenant", r.param("tenant")}, {"path", r.path},
                                 {"error", errc_name(error.code)}, {"message", error.message},
                                 {"detail", error.detail}});
    }
    http::Response res = http::rest_error(error);
    res.set(bhttp::field::cache_control, "no-store");
    return res;
  }
  http::Response res;
  if (matches(r.message[bhttp::field::if_none_match], published->etag)) {
    res = http::make_response(bhttp::status::not_modified, "", content_type);
  } else {
    res = http::make_response(bhttp::status::ok, std::move(*body), content_type);
  }
  set_cache_headers(res, published->etag);
  return res;
}

}  // namespace

std::string saml_metadata(const std::string& entity_id, const std::string& sso_location,
                          const Keys& keys) {
  std::string out;
  out += R"(<?xml version="1.0" encoding="UTF-8"?>)";
  out += "\n<md:EntityDescriptor xmlns:md=\"" + std::string(kMetadataNs) + "\" xmlns:ds=\"" +
         std::string(saml::ns::kDs) + "\" entityID=\"" + escape_attribute(entity_id) +
         "\" cacheDuration=\"PT" + std::to_string(kMaxAgeSeconds) + "S\">\n";
  out += "  <md:IDPSSODescriptor protocolSupportEnumeration=\"" + std::string(kProtocolNs) +
         "\" WantAuthnRequestsSigned=\"false\">\n";
  for (const auto* key : keys) {
    out += "    <md:KeyDescriptor use=\"signing\"><ds:KeyInfo><ds:KeyName>" +
           escape_xml_text(key->key_id) + "</ds:KeyName><ds:X509Data><ds:X509Certificate>" +
           key->chain_der_b64.front() +
           "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>\n";
  }
  out += "    <md:NameIDFormat>" + std::string(saml::uri::kNameIdUpn) + "</md:NameIDFormat>\n";
  out += "    <md:SingleSignOnService Binding=\"" + std::string(kRedirectBinding) +
         "\" Location=\"" + escape_attribute(sso_location) + "\"/>\n";
  out += "  </md:IDPSSODescriptor>\n</md:EntityDescriptor>\n";
  return out;
}

void add_publish_routes(http::Router& router, handlers::TokenCore& core, const log::Logger& log) {
  struct Route {
    std::string_view pattern;
    std::string_view content_type;
    Render render;
  };
  static const Route kRoutes[] = {
      {"/api/v1/tenants/{tenant}/signing-certs", http::kJson,
       [](const handlers::TokenCore&, const Published& p) { return signing_certs_json(p); }},
      {"/api/v1/tenants/{tenant}/signing-certs.pem", kPemType,
       [](const handlers::TokenCore&, const Published& p) { return signing_certs_pem(p); }},
      {"/saml/metadata/{tenant}", kMetadataType, &metadata},
      // Tenant-less: the tenant the TLS SNI name / Host names (routing/).
      {"/api/v1/signing-certs", http::kJson,
       [](const handlers::TokenCore&, const Published& p) { return signing_certs_json(p); }},
      {"/api/v1/signing-certs.pem", kPemType,
       [](const handlers::TokenCore&, const Published& p) { return signing_certs_pem(p); }},
      {"/saml/metadata", kMetadataType, &metadata},
  };
  for (const Route& route : kRoutes) {
    router.add_blocking(
        bhttp::verb::get, route.pattern,
        [&core, &log, route](http::Request& r) {
          return answer(route.render, route.content_type, core, log, r);
        },
        http::ErrorStyle::kJson);
  }
}

}  // namespace sigil::sts::rest
