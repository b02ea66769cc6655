// Internal: the text side of a tokenizer.json pipeline — normalizers and pre-tokenizers —
// with an alignment from every normalized byte back to the source text, so offsets stay
// exact through Prepend/Replace/NFC and splitting.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ladm {

// A piece of normalized text and where it came from.
struct Piece {
    std::string text;
    size_t src_begin = 0;
    // Source offset after each normalized byte; empty = identity (src_begin + k + 1).
    std::vector<uint32_t> ends;
    size_t synthetic = 0; // leading bytes the tokenizer added (Prepend, prefix space)

    // Source offset after the first k normalized bytes. A token of normalized bytes [b, e)
    // covers source [src_after(b), src_after(e)): consecutive tokens tile the source.
    size_t src_after(size_t k) const {
        if (k == 0) return src_begin;
        return ends.empty() ? src_begin + k : ends[k - 1];
    }
    size_t source_begin(size_t k) const { return src_after(k); }
    size_t source_end(size_t k) const { return src_after(k); }
    void materialize(); // make `ends` explicit
    Piece slice(size_t a, size_t b) const;
};

// GPT-2's byte-to-unicode alphabet.
const std::string& byte_level_char(uint8_t b);
std::string byte_level_decode(const std::string& token); // inverse; unknown chars kept

class Regex; // PCRE2, UTF + UCP, JIT

class TextPipeline {
  public:
    TextPipeline();
    ~TextPipeline();
    bool configure(const nlohmann::json& tokenizer_json, const std::string& path,
                   std::string* error);
    // Normalizes and pre-tokenizes text[b, e) into pieces (appended to *out). first: the
    // segment is the first split of the input (Metaspace's prepend_scheme "first").
    void split(const std::string& text, size_t b, size_t e, bool first,
               std::vector<Piece>* out) const;
    bool byte_level() const { return m_byte_level; }
    bool strips_leading_space() const { return m_strip_leading_space; }
    std::string undo_metaspace(const std::string& token) const;

    struct Step; // one normalizer or pre-tokenizer

  private:
    std::vector<std::unique_ptr<Step>> m_normalizers, m_pretokenizers;
    bool m_byte_level = false;
    bool m_strip_leading_space = false;
    std::string m_metaspace = "\xE2\x96\x81"; // "▁"
};

} // namespace ladm
