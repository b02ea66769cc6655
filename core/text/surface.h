// Surface features of a sample, measured while it is read, for the confound check (does a
// score follow length, quote style, digits or repetition rather than dependency?): see
// core/curate/score_table.h and docs/scorers.md.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace ladm {

class Tokenizer;

// The names the cache stores them under (scores table), and what the app shows.
inline constexpr const char* kFeatureCharsPerToken = "f_chars_per_token";
inline constexpr const char* kFeatureNonAscii = "f_non_ascii";
inline constexpr const char* kFeatureByteFallback = "f_byte_fallback";
inline constexpr const char* kFeatureZstdRatio = "f_zstd_ratio";
inline constexpr const char* kFeatureDigitsPunct = "f_digits_punct";

// Unicode classes of one code point (utf8proc categories).
bool is_punctuation_or_symbol(int32_t code_point); // P*, S*
bool is_space_or_control(int32_t code_point);      // Z*, Cc

// From the text alone: share of code points that are not ASCII, share that are digits or
// punctuation/symbols (Unicode N*, P*, S*), and zstd's compressed / raw size at level 3 on
// the first 1 MiB (low = repetitive). Invalid UTF-8 bytes count as non-ASCII code points.
std::map<std::string, double> text_features(std::string_view text);

// From the tokens: characters per token and the share of byte-fallback pieces ("<0xNN>").
// byte_fallback: per token id, whether it is one (byte_fallback_ids(tok)).
std::map<std::string, double> token_features(int64_t chars, const std::vector<int32_t>& ids,
                                             const std::vector<uint8_t>& byte_fallback);
std::vector<uint8_t> byte_fallback_ids(const Tokenizer& tok);

// A short label for a feature name ("chars/token"), or the name itself.
std::string feature_label(const std::string& name);

} // namespace ladm
