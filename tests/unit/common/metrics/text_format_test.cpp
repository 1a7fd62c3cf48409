#include "sigil/metrics/text_format.hpp"

#include <limits>

#include <gtest/gtest.h>

namespace sigil::metrics {
namespace {

TEST(TextFormat, ValuesUseShortestFormAndPrometheusSpecials) {
  EXPECT_EQ(format_value(0), "0");
  EXPECT_EQ(format_value(3), "3");
  EXPECT_EQ(format_value(0.005), "0.005");
  EXPECT_EQ(format_value(2.5), "2.5");
  EXPECT_EQ(format_value(1.7e9), "1.7e+09");
  EXPECT_EQ(format_value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(format_value(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(format_value(std::numeric_limits<double>::quiet_NaN()), "NaN");
}

TEST(TextFormat, LabelValuesEscapeBackslashQuoteAndNewline) {
  EXPECT_EQ(escape_label_value("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
  EXPECT_EQ(escape_label_value("plain"), "plain");
}

TEST(TextFormat, HelpEscapesBackslashAndNewlineButNotQuotes) {
  EXPECT_EQ(escape_help("a\\b\"c\nd"), "a\\\\b\"c\\nd");
}

TEST(TextFormat, LabelsInDeclaredOrderWithExtraLast) {
  EXPECT_EQ(format_labels({}, {}), "");
  EXPECT_EQ(format_labels({"a", "b"}, {"1", "2"}), "{a=\"1\",b=\"2\"}");
  std::pair<std::string_view, std::string_view> le{"le", "+Inf"};
  EXPECT_EQ(format_labels({}, {}, &le), "{le=\"+Inf\"}");
  EXPECT_EQ(format_labels({"a"}, {"1"}, &le), "{a=\"1\",le=\"+Inf\"}");
}

TEST(TextFormat, NameValidation) {
  EXPECT_TRUE(valid_metric_name("sigil_tokens_issued_total"));
  EXPECT_TRUE(valid_metric_name("a:b_c1"));
  EXPECT_FALSE(valid_metric_name("1abc"));
  EXPECT_FALSE(valid_metric_name("a-b"));
  EXPECT_FALSE(valid_metric_name(""));
  EXPECT_TRUE(valid_label_name("tenant"));
  EXPECT_FALSE(valid_label_name("__name"));
  EXPECT_FALSE(valid_label_name("a:b"));
  EXPECT_FALSE(valid_label_name("9a"));
}

}  // namespace
}  // namespace sigil::metrics
