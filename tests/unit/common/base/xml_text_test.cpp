#include "sigil/base/xml_text.hpp"

#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace sigil {
namespace {

TEST(XmlText, EscapesMarkupKeepsOneLineAndDropsWhatXmlCannotCarry) {
  EXPECT_EQ(escape_xml_text("a<b>&c"), "a&lt;b&gt;&amp;c");
  EXPECT_EQ(escape_xml_text("line1\r\nline2\tx"), "line1&#xD;&#xA;line2\tx");
  EXPECT_EQ(escape_xml_text(std::string("nul\0bell\x07", 9)), "nul?bell?");
  EXPECT_EQ(escape_xml_text("\"quotes\" and 'apostrophes' stay"), "\"quotes\" and 'apostrophes' stay");
  EXPECT_EQ(escape_xml_text("Ädministrator"), "Ädministrator");
}

// Every character any of the forms treats specially, and a control character.
constexpr std::string_view kSpecials = "a&b<c>d\re\nf\tg\"h'i\x01j";

std::string escaped(std::string_view text, XmlEscaping how) {
  std::string out = "kept:";
  append_xml_escaped(out, text, how);
  return out;
}

TEST(XmlText, OneLineFormsEscapeMarkupAndLineBreaksAndDropControls) {
  EXPECT_EQ(escaped(kSpecials, XmlEscaping::kOneLineText),
            "kept:a&amp;b&lt;c&gt;d&#xD;e&#xA;f\tg\"h'i?j");
  EXPECT_EQ(escape_xml_text(kSpecials), "a&amp;b&lt;c&gt;d&#xD;e&#xA;f\tg\"h'i?j");
  EXPECT_EQ(escaped(kSpecials, XmlEscaping::kOneLineAttribute),
            "kept:a&amp;b&lt;c&gt;d&#xD;e&#xA;f\tg&quot;h'i?j");
}

// W3C Canonical XML 1.0 section 2.3: exactly these, and every other character as itself.
TEST(XmlText, C14nFormsEscapeExactlyWhatCanonicalXmlEscapes) {
  EXPECT_EQ(escaped(kSpecials, XmlEscaping::kC14nText),
            "kept:a&amp;b&lt;c&gt;d&#xD;e\nf\tg\"h'i\x01j");
  EXPECT_EQ(escaped(kSpecials, XmlEscaping::kC14nAttribute),
            "kept:a&amp;b&lt;c>d&#xD;e&#xA;f&#x9;g&quot;h'i\x01j");
}

TEST(XmlText, EveryFormKeepsUtf8AndAppendsNothingForEmptyText) {
  for (XmlEscaping how : {XmlEscaping::kOneLineText, XmlEscaping::kOneLineAttribute,
                          XmlEscaping::kC14nText, XmlEscaping::kC14nAttribute}) {
    EXPECT_EQ(escaped("\xC3\x84" "dministrator \xE2\x82\xAC", how),
              "kept:\xC3\x84" "dministrator \xE2\x82\xAC");
    EXPECT_EQ(escaped("", how), "kept:");
  }
}

TEST(XmlText, XmlCharsAcceptTextXmlCanCarry) {
  EXPECT_TRUE(is_xml_chars(""));
  EXPECT_TRUE(is_xml_chars("urn:vc:audience tab\tLF\nCR\r"));
  EXPECT_TRUE(is_xml_chars("\xC3\x84" "dministrator \xE2\x82\xAC \xF0\x9F\x94\x91"));  // Ä € key
  EXPECT_TRUE(is_xml_chars("\xEF\xBF\xBD"));       // U+FFFD
  EXPECT_TRUE(is_xml_chars("\xF4\x8F\xBF\xBF"));  // U+10FFFF
}

TEST(XmlText, XmlCharsRefuseControlsNoncharactersAndBadUtf8) {
  for (std::string_view bad : {std::string_view("a\0b", 3), std::string_view("\x01"),
                               std::string_view("\x1F"), std::string_view("\x08"),
                               std::string_view("\xEF\xBF\xBE"),   // U+FFFE
                               std::string_view("\xEF\xBF\xBF"),   // U+FFFF
                               std::string_view("\xED\xA0\x80"),   // a surrogate
                               std::string_view("\xC0\x80"),        // overlong NUL
                               std::string_view("\xE2\x82"),        // truncated
                               std::string_view("\xF4\x90\x80\x80"),  // above U+10FFFF
                               std::string_view("\xFF")}) {
    EXPECT_FALSE(is_xml_chars(bad)) << bad.size();
  }
}

}  // namespace
}  // namespace sigil
