#include "sigil/http/error_mapping.hpp"

#include <set>

#include <gtest/gtest.h>

#include "sigil/xml/handles.hpp"

namespace sigil::http {
namespace {

TEST(ErrorMapping, EveryErrcHasExactlyOneRowInKAllErrcsOrder) {
  auto rows = error_mappings();
  ASSERT_EQ(rows.size(), kAllErrcs.size());
  std::set<Errc> seen;
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].code, kAllErrcs[i]) << "row " << i;
    EXPECT_TRUE(seen.insert(rows[i].code).second) << "duplicate " << errc_name(rows[i].code);
  }
  for (Errc c : kAllErrcs) {
    const ErrorMapping& m = error_mapping(c);
    EXPECT_EQ(m.code, c);
    EXPECT_GE(m.rest_status, 400u) << errc_name(c);
    EXPECT_LT(m.rest_status, 600u) << errc_name(c);
    EXPECT_FALSE(m.fault_local.empty()) << errc_name(c);
    EXPECT_FALSE(m.fault_string.empty()) << errc_name(c);
  }
}

TEST(ErrorMapping, UsesTheWsTrustContractCodes) {
  auto code = [](Errc c) {
    const auto& m = error_mapping(c);
    return std::string(m.fault_namespace == FaultNamespace::kWsse ? "wsse:" : "wst:") +
           std::string(m.fault_local);
  };
  EXPECT_EQ(code(Errc::kAuthFailed), "wst:FailedAuthentication");
  EXPECT_EQ(code(Errc::kMalformedRequest), "wst:InvalidRequest");
  EXPECT_EQ(code(Errc::kInvalidTimeRange), "wst:InvalidTimeRange");
  EXPECT_EQ(code(Errc::kUnableToRenew), "wst:UnableToRenew");
  EXPECT_EQ(code(Errc::kSignatureInvalid), "wsse:InvalidSecurity");
  EXPECT_EQ(code(Errc::kMessageExpired), "wsse:MessageExpired");
  EXPECT_EQ(code(Errc::kUnsupportedAlgorithm), "wsse:UnsupportedAlgorithm");
  EXPECT_EQ(code(Errc::kTokenExpired), "wsse:InvalidSecurity");
  EXPECT_EQ(code(Errc::kInternal), "wst:RequestFailed");
  EXPECT_EQ(error_mapping(Errc::kAuthFailed).rest_status, 401u);
  EXPECT_EQ(error_mapping(Errc::kNotFound).rest_status, 404u);
  EXPECT_EQ(error_mapping(Errc::kUnavailable).rest_status, 503u);
  EXPECT_EQ(error_mapping(Errc::kRateLimited).rest_status, 429u);
  EXPECT_EQ(code(Errc::kRateLimited), "wst:RequestFailed");
}

TEST(ErrorMapping, FaultBodyIsTheContractEnvelopeByteForByte) {
  EXPECT_EQ(soap_fault_body(make_error(Errc::kAuthFailed, "")),
            R"(<?xml version="1.0" encoding="UTF-8"?><S:Envelope )"
            R"(xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body><S:Fault>)"
            R"(<faultcode xmlns:ns0="http://docs.oasis-open.org/ws-sx/ws-trust/200512">)"
            R"(ns0:FailedAuthentication</faultcode><faultstring>Authentication failed)"
            R"(</faultstring></S:Fault></S:Body></S:Envelope>)");
  std::string wsse = soap_fault_body(make_error(Errc::kMessageExpired, "too old"));
  EXPECT_NE(wsse.find(R"(<faultcode xmlns:ns0="http://docs.oasis-open.org/wss/2004/01/)"
                      R"(oasis-200401-wss-wssecurity-secext-1.0.xsd">ns0:MessageExpired)"),
            std::string::npos);
  EXPECT_NE(wsse.find("<faultstring>too old</faultstring>"), std::string::npos);
}

TEST(ErrorMapping, FaultBodyEscapesTheMessageAndNeverContainsTheDetail) {
  std::string body = soap_fault_body(
      make_error(Errc::kMalformedRequest, "bad <RST> & \"more\"\x01", "SQLSTATE 42P01 secret"));
  EXPECT_NE(body.find("bad &lt;RST&gt; &amp; \"more\"?"), std::string::npos) << body;
  EXPECT_EQ(body.find("SQLSTATE"), std::string::npos);
  EXPECT_EQ(body.find("secret"), std::string::npos);
}

// pyVmomi raises its SoapException only when `//text()` finds exactly two text nodes.
int count_text_nodes(const std::string& body) {
  xml::XmlDocPtr doc(
      xmlReadMemory(body.data(), static_cast<int>(body.size()), nullptr, nullptr, XML_PARSE_NONET));
  if (!doc) return -1;
  xml::XmlXPathContextPtr ctx(xmlXPathNewContext(doc.get()));
  xml::XmlXPathObjectPtr obj(xmlXPathEvalExpression(xml::as_xml_chars("//text()"), ctx.get()));
  if (!obj || obj->nodesetval == nullptr) return 0;
  return obj->nodesetval->nodeNr;
}

TEST(ErrorMapping, EveryFaultBodyIsWellFormedWithExactlyTwoTextNodes) {
  for (Errc c : kAllErrcs) {
    EXPECT_EQ(count_text_nodes(soap_fault_body(make_error(c, ""))), 2) << errc_name(c);
    EXPECT_EQ(count_text_nodes(soap_fault_body(make_error(c, "a\nb <c>"))), 2) << errc_name(c);
  }
}

TEST(ErrorMapping, RestBodyHasErrorCodeAndMessageOnly) {
  EXPECT_EQ(rest_error_body(make_error(Errc::kConflict, "tenant exists", "unique_violation")),
            R"({"error":"conflict","message":"tenant exists"})");
  EXPECT_EQ(rest_error_body(make_error(Errc::kInternal, "")),
            R"({"error":"internal","message":"The specified request failed."})");
}

}  // namespace
}  // namespace sigil::http
