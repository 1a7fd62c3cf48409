#include "sigil/xml/library.hpp"

#include <gtest/gtest.h>

#include "sigil/xml/handles.hpp"
#include "sigil/xml/parser.hpp"

namespace sigil::xml {
namespace {

TEST(XmlSecLibrary, ASecondInstanceSharesTheInitialisation) {
  XmlSecLibrary::ensure();
  const int before = XmlSecLibrary::live_instances();
  {
    auto second = XmlSecLibrary::create();
    ASSERT_TRUE(second) << second.error();
    EXPECT_EQ(XmlSecLibrary::live_instances(), before + 1);
  }
  EXPECT_EQ(XmlSecLibrary::live_instances(), before);
  // Destroying the extra instance did not shut the libraries down under the first one.
  EXPECT_TRUE(parse_untrusted("<a/>"));
}

TEST(XmlSecLibrary, LibraryErrorsNeverReachStderr) {
  XmlSecLibrary::ensure();
  ::testing::internal::CaptureStderr();
  // libxml2 and xmlsec called directly, outside any sigil::xml function.
  XmlDocPtr broken(xmlReadMemory("<a><b></a>", 10, nullptr, nullptr, XML_PARSE_NONET));
  XmlDocPtr doc(xmlReadMemory("<a/>", 4, nullptr, nullptr, XML_PARSE_NONET));
  DSigCtxPtr ctx(xmlSecDSigCtxCreate(nullptr));
  const int rc = xmlSecDSigCtxVerify(ctx.get(), xmlDocGetRootElement(doc.get()));
  const std::string printed = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(broken, nullptr);
  EXPECT_LT(rc, 0);
  EXPECT_EQ(printed, "");
}

TEST(XmlSecLibrary, EnsureReturnsTheSameInstance) {
  EXPECT_EQ(&XmlSecLibrary::ensure(), &XmlSecLibrary::ensure());
  EXPECT_GE(XmlSecLibrary::live_instances(), 1);
}

}  // namespace
}  // namespace sigil::xml
