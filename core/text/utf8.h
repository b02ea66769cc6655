// UTF-8 helpers shared by the tokenizers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ladm::utf8 {

// Length of the valid UTF-8 sequence starting at s[i], or 0 if the bytes there are not
// a valid sequence (overlong, surrogate, truncated, stray continuation byte).
size_t valid_sequence_length(std::string_view s, size_t i);

bool is_valid(std::string_view s);

// Replaces every invalid sequence with U+FFFD, one per maximal invalid subpart, as Python's
// bytes.decode("utf-8", errors="replace") does. Returns the number of replacements.
size_t repair(std::string_view in, std::string* out);

// Unicode normalization form C (via utf8proc); s must be valid UTF-8.
std::string nfc(std::string_view s);

// Encodes one code point.
void append(std::string* out, char32_t cp);
// Decodes the code point at s[i] (s must be valid UTF-8); advances i.
char32_t next(std::string_view s, size_t& i);

// Byte offset -> character (code point) index, for the starts of characters. The rule for
// a token's byte range [b, e): its characters are those whose *last* byte lies in it, so a
// character split across tokens belongs to the token that completes it.
class CharIndex {
  public:
    explicit CharIndex(std::string_view s);
    // Number of characters that end at or before byte offset `byte`.
    int64_t chars_completed_by(size_t byte) const;
    int64_t size() const { return int64_t(m_starts.size()); }
    size_t byte_of_char(int64_t c) const; // start byte of character c (or end of text)

  private:
    std::vector<size_t> m_starts; // start byte of every character
    size_t m_length;
};

} // namespace ladm::utf8
