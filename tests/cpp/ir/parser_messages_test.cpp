// Parser error messages are valid UTF-8 whatever the input bytes, quote whole characters (never a
// cut code point), escape bytes that are not UTF-8 as \xHH, and keep the line and column
// (issue 16, r13: a message with half a character became UnicodeDecodeError in Python).
#include <gtest/gtest.h>

#include <string>

#include "fuseflow/core/error.h"
#include "fuseflow/ir/builder.h"
#include "fuseflow/ir/text.h"

namespace fuseflow::ir {
namespace {

bool valid_utf8(const std::string& s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return false;
    }
    i += n;
  }
  return true;
}

std::string parse_error(const std::string& text) {
  try {
    parse(text);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidValue) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "accepted:\n" << text;
  return "";
}

TEST(ParserMessages, AMultiByteCharacterIsQuotedWhole) {
  const std::string m = parse_error("func @f() {\n  \xE6\xBC\xA2\n}");  // U+6F22
  EXPECT_TRUE(valid_utf8(m)) << m;
  EXPECT_EQ(m, "IR text: line 2, column 3: unexpected character '\xE6\xBC\xA2'");
}

TEST(ParserMessages, BytesThatAreNotUtf8AreEscaped) {
  // A lead byte without its continuation bytes, a lone continuation byte, an overlong form, a
  // surrogate, a control byte.
  const std::pair<std::string, std::string> cases[] = {
      {"\xE6 x", "byte \\xE6"}, {"\x80", "byte \\x80"}, {"\xC0\xAF", "byte \\xC0"},
      {"\xED\xA0\x80", "byte \\xED"}, {"\x01", "byte \\x01"}, {"\xFF", "byte \\xFF"}};
  for (const auto& [bad, quoted] : cases) {
    const std::string m = parse_error("func @f() {\n return\n}\n" + bad);
    EXPECT_TRUE(valid_utf8(m)) << m;
    EXPECT_EQ(m.rfind("IR text: line 4, column 1: ", 0), 0u) << m;
    EXPECT_NE(m.find(quoted), std::string::npos) << m;
  }
}

TEST(ParserMessages, AnIdentifierIsAsciiWhateverTheLocale) {
  // Byte 0xE6 is a letter in Latin-1; the lexer reads ASCII letters only, so the message never
  // holds it raw.
  const std::string m = parse_error("func @f\xE6() {\n return\n}");
  EXPECT_TRUE(valid_utf8(m)) << m;
  EXPECT_NE(m.find("line 1, column 8"), std::string::npos) << m;
}

TEST(ParserMessages, StringsMustBeUtf8AndRoundTripWhenTheyAre) {
  const std::string bad = "func @f(%0:f64[n0]) {\n  %1:f64[n0] = exp %0 loc(\"a\xFF.py\":3)\n  return %1\n}\n";
  const std::string m = parse_error(bad);
  EXPECT_TRUE(valid_utf8(m)) << m;
  EXPECT_NE(m.find("line 2, column 29: a string must be UTF-8; got byte \\xFF"), std::string::npos) << m;

  const std::string good = "func @f(%0:f64[n0]) {\n  %1:f64[n0] = exp %0 loc(\"\xE6\xBC\xA2 \\\"q\\\".py\":3)\n  return %1\n}\n";
  Program p = parse(good);
  EXPECT_EQ(p.body.ops[0].loc.file, "\xE6\xBC\xA2 \"q\".py");
  EXPECT_EQ(print(p, PrintOptions{true}), good);
  // Errors quoting the location stay UTF-8 too.
  const std::string typed = "func @f(%0:f64[n0]) {\n  %1:i64[n0] = exp %0 loc(\"\xE6\xBC\xA2.py\":3)\n  return %1\n}\n";
  const std::string t = parse_error(typed);
  EXPECT_TRUE(valid_utf8(t)) << t;
}

TEST(ParserMessages, EveryFailureNamesItsLine) {
  const char* texts[] = {
      "func @f(%0:f64[n0]) {\n  %1:f64[n0] = frobnicate %0\n  return %1\n}",
      "func @f(%0:f64[n0]) {\n  %1:f64[n0] = exp %7\n  return %1\n}",
      "func @f(%0:f64[n0]) {\n  %1:i64[n0] = exp %0\n  return %1\n}",
      "func @f(%0:f64[n0]) {\n  %1:f64[n0] = exp %0\n  return %1\n",
      "func @f(%0:f64[n0]) {\n  %1:f64[n0] = exp %0\n  return %1\n} trailing",
  };
  for (const char* text : texts) {
    const std::string m = parse_error(text);
    EXPECT_EQ(m.rfind("IR text: line ", 0), 0u) << m;
  }
}

TEST(ParserMessages, ProgramNamesPrintAsIdentifiersTheParserReads) {
  for (const char* name : {"1st", "\xE6\xBC\xA2", "<lambda>", ""}) {
    Builder b(name);
    ValueId x = b.add_array_input(DType::kFloat64, b.new_input_symbol());
    b.set_outputs({b.unary(OpCode::kExp, x)});
    Program p = b.finish();
    const std::string text = print(p);
    EXPECT_TRUE(valid_utf8(text)) << text;
    EXPECT_EQ(print(parse(text)), text);
  }
}

TEST(ParserMessages, SquaringReductionsAreFloatSumsOrMeans) {
  // reduce_axes ... .sq (ir/axis_reduce.h) round-trips, and is refused on what it cannot mean.
  const std::string ok = "func @f(%0:f32[n0, n1]) {\n  %1:f32[n0] = reduce_axes.mean.a1.drop.sq %0\n  return %1\n}\n";
  EXPECT_EQ(print(parse(ok)), ok);
  // (operand type, result type, attribute parts, expected message)
  const char* kFloatOnly = "a squaring reduction (.sq) is a sum or mean of a float operand";
  const char* const cases[][4] = {{"i32", "i64", "sum.a1.drop.sq", kFloatOnly},
                                  {"f32", "f32", "max.a1.drop.sq", kFloatOnly},
                                  {"f32", "f32", "var.a1.drop.sq", "expected ddof<n>"},
                                  {"f32", "f32", "sum.a1.drop.cube", "takes 3 '.'-attributes"}};
  for (const auto& [operand, result, parts, message] : cases) {
    const std::string text = std::string("func @f(%0:") + operand + "[n0, n1]) {\n  %1:" + result +
                             "[n0] = reduce_axes." + parts + " %0\n  return %1\n}";
    EXPECT_NE(parse_error(text).find(message), std::string::npos) << text;
  }
}

}  // namespace
}  // namespace fuseflow::ir
