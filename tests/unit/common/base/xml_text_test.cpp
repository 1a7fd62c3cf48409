#include "sigil/base/xml_text.hpp"

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

}  // namespace
}  // namespace sigil
