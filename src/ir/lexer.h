// The IR text format's lexer (used by parser.cpp; not a public header). Tokens carry their line
// and column; every error is fuseflow::Error(kInvalidValue) "IR text: line L, column C: ...", and
// its message is valid UTF-8 whatever the input bytes (characters are quoted whole, other bytes
// as \xHH), so Python can always show it.
#pragma once

#include <string>
#include <string_view>

#include "fuseflow/core/error.h"

namespace fuseflow::ir::detail {

enum class Tok { kEnd, kIdent, kNumber, kValue, kString, kPunct };

// Character classes of the format, in ASCII whatever the process's locale (a Latin-1 locale would
// make std::isalpha accept byte 0xE6, and the message quoting it would not be UTF-8).
inline bool is_digit(char c) { return c >= '0' && c <= '9'; }
inline bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
inline bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }
inline bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

// Length of the well-formed UTF-8 sequence starting at s[pos] (1-4), or 0 if it is not one
// (overlong forms, surrogates and code points above U+10FFFF are not well formed).
inline std::size_t utf8_length(std::string_view s, std::size_t pos) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[pos + k]); };
  const unsigned char c = b(0);
  if (c < 0x80) return 1;
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) n = 2;
  else if (c == 0xE0) n = 3, lo = 0xA0;
  else if (c == 0xED) n = 3, hi = 0x9F;
  else if (c >= 0xE1 && c <= 0xEF) n = 3;
  else if (c == 0xF0) n = 4, lo = 0x90;
  else if (c == 0xF4) n = 4, hi = 0x8F;
  else if (c >= 0xF1 && c <= 0xF3) n = 4;
  else return 0;
  if (pos + n > s.size()) return 0;
  if (b(1) < lo || b(1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k) {
    if (b(k) < 0x80 || b(k) > 0xBF) return 0;
  }
  return n;
}

// The character at s[pos] as a message quotes it: printable ASCII and whole UTF-8 characters as
// they are, anything else (control bytes, bytes that are not UTF-8) as \xHH, so a message is
// always valid UTF-8 and never cuts a character.
inline std::string quote_char(std::string_view s, std::size_t pos) {
  const unsigned char c = static_cast<unsigned char>(s[pos]);
  const std::size_t n = c >= 0x80 ? utf8_length(s, pos) : (c >= 0x20 && c < 0x7F ? 1 : 0);
  std::string out;
  if (n > 0) {
    out.push_back('\'');
    out.append(s.substr(pos, n));
    out.push_back('\'');
    return out;
  }
  static const char* hex = "0123456789ABCDEF";
  out = "byte \\x";
  out.push_back(hex[c >> 4]);
  out.push_back(hex[c & 15]);
  return out;
}

struct Token {
  Tok kind = Tok::kEnd;
  std::string text;  // ident / number / string contents / punctuation char; value: its digits
  int line = 1, column = 1;
};

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}

  Token next() {
    skip_space();
    Token t;
    t.line = line_;
    t.column = column_;
    if (pos_ >= s_.size()) return t;
    char c = s_[pos_];
    if (is_alpha(c) || c == '_') {
      t.kind = Tok::kIdent;
      while (pos_ < s_.size() && (is_alnum(s_[pos_]) || s_[pos_] == '_')) t.text += take();
    } else if (is_digit(c) || (c == '-' && pos_ + 1 < s_.size() && (is_digit(s_[pos_ + 1]) || s_[pos_ + 1] == 'i'))) {
      t.kind = Tok::kNumber;
      t.text += take();
      if (c == '-' && s_.substr(pos_, 3) == "inf") {
        t.text += take(), t.text += take(), t.text += take();
        return t;
      }
      while (pos_ < s_.size()) {
        char d = s_[pos_];
        char prev = t.text.back();
        if (is_digit(d) || d == '.' || d == 'e' || d == 'E' ||
            ((d == '+' || d == '-') && (prev == 'e' || prev == 'E'))) {
          t.text += take();
        } else {
          break;
        }
      }
    } else if (c == '%') {
      take();
      t.kind = Tok::kValue;
      while (pos_ < s_.size() && is_digit(s_[pos_])) t.text += take();
      if (t.text.empty()) fail(t, "expected digits after '%'");
    } else if (c == '"') {
      take();
      t.kind = Tok::kString;
      while (true) {
        if (pos_ >= s_.size() || s_[pos_] == '\n') fail(t, "unterminated string");
        // A string (a source file name) ends up in error messages and Python str: UTF-8 only.
        if (static_cast<unsigned char>(s_[pos_]) >= 0x80) {
          const std::size_t n = utf8_length(s_, pos_);
          if (n == 0) fail(here(), "a string must be UTF-8; got " + quote_char(s_, pos_));
          for (std::size_t k = 0; k < n; ++k) t.text += take();
          continue;
        }
        char d = take();
        if (d == '"') break;
        if (d == '\\') {
          if (pos_ >= s_.size()) fail(t, "unterminated string");
          // An escaped character is one of the format's (\n, \", \\) or stands for itself, which
          // must then be UTF-8 like the rest of the string.
          if (static_cast<unsigned char>(s_[pos_]) >= 0x80) continue;  // checked whole above
          char e = take();
          t.text += e == 'n' ? '\n' : e;
        } else {
          t.text += d;
        }
      }
    } else if (std::string_view("(){}[],:=^~@.").find(c) != std::string_view::npos) {
      t.kind = Tok::kPunct;
      t.text = std::string(1, take());
    } else {
      fail(t, "unexpected character " + quote_char(s_, pos_));
    }
    return t;
  }

  [[noreturn]] static void fail(const Token& t, const std::string& message) {
    throw Error(ErrorCode::kInvalidValue,
                "IR text: line " + std::to_string(t.line) + ", column " + std::to_string(t.column) + ": " + message);
  }

 private:
  Token here() const {
    Token t;
    t.line = line_;
    t.column = column_;
    return t;
  }
  char take() {
    char c = s_[pos_++];
    if (c == '\n') {
      ++line_;
      column_ = 1;
    } else {
      ++column_;
    }
    return c;
  }
  void skip_space() {
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (c == '#') {  // comment to end of line
        while (pos_ < s_.size() && s_[pos_] != '\n') take();
      } else if (is_space(c)) {
        take();
      } else {
        break;
      }
    }
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  int line_ = 1, column_ = 1;
};

inline std::string describe_token(const Token& t) {
  switch (t.kind) {
    case Tok::kEnd: return "end of text";
    case Tok::kValue: return "'%" + t.text + "'";
    case Tok::kString: return "a string";
    default: return "'" + t.text + "'";
  }
}

}  // namespace fuseflow::ir::detail
