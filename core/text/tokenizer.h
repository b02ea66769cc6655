// Tokenizers of the calculator checkpoints: SentencePiece (`tokenizer.model`, through
// Debian's libsentencepiece) and Hugging Face `tokenizer.json` BPE (byte-level as in
// GPT-2 / Llama 3 / Qwen2, or Metaspace + byte-fallback as in Llama 2 exports), chosen
// from the checkpoint folder, with `tokenizer_config.json` deciding BOS/EOS.
//
//   std::string err;
//   auto tok = ladm::Tokenizer::from_dir("/models/tinyllama", &err);
//   ladm::Encoding e = tok->encode("Hello world");   // ids + character offsets
//
// Input is UTF-8; invalid sequences are replaced by U+FFFD first (as Python's
// decode(errors="replace") does), and offsets count characters (code points) of that
// repaired text. Every token owns [begin, end): consecutive tokens tile the text; a
// character split across tokens belongs to the token that completes it; tokens the
// tokenizer adds (BOS/EOS, a prepended "▁") own empty ranges.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ladm {

struct Encoding {
    std::vector<int32_t> ids;
    std::vector<std::pair<int64_t, int64_t>> offsets; // characters [begin, end) per token
    std::string text;                                 // the (repaired) text the offsets index
    // Per token: whether its leading "▁"/space was added by the tokenizer rather than taken
    // from the text (dummy prefix / Prepend normalizer / add_prefix_space).
    std::vector<uint8_t> synthetic_prefix;
    std::vector<uint8_t> special; // per token: BOS/EOS or an added special token
    // Set when the text could not be encoded (the tokenizer's regex gave up on it, no
    // memory): ids are then empty and the message says why.
    std::string error;
};

class Tokenizer {
  public:
    virtual ~Tokenizer() = default;

    // Picks tokenizer.json (preferred, as transformers' fast tokenizers do) or
    // tokenizer.model from `dir` and reads tokenizer_config.json. nullptr + *error naming
    // the file and field on failure.
    static std::unique_ptr<Tokenizer> from_dir(const std::string& dir, std::string* error);

    // add_special: BOS/EOS as the tokenizer config says (false: the text's tokens only).
    virtual Encoding encode(std::string_view text, bool add_special = true) const = 0;

    // The bytes a token stands for ("▁" as a space, <0xNN> byte-fallback pieces as that byte,
    // byte-level symbols as their bytes); special tokens give their content.
    virtual std::string token_bytes(int32_t id) const = 0;
    virtual std::string token_string(int32_t id) const = 0; // the vocabulary entry
    virtual int32_t vocab_size() const = 0;

    // Text of a whole sequence, like transformers' decode(skip_special_tokens=True).
    std::string decode(const std::vector<int32_t>& ids) const;
    // Text of tokens [i, j) of an encoding, without the bytes the tokenizer itself added;
    // equals the slice of encoding.text that the offsets of tokens i..j-1 name, whenever the
    // run starts and ends on character boundaries.
    std::string decode_run(const Encoding& e, size_t i, size_t j) const;

    const std::string& kind() const { return m_kind; } // "sentencepiece" | "bpe"
    int32_t bos_id() const { return m_bos; }
    int32_t eos_id() const { return m_eos; }
    bool adds_bos() const { return m_add_bos; }
    bool adds_eos() const { return m_add_eos; }

  protected:
    bool is_special(int32_t id) const;
    std::string m_kind;
    int32_t m_bos = -1, m_eos = -1;
    bool m_add_bos = false, m_add_eos = false;
    std::vector<int32_t> m_special_ids;
    bool m_strip_leading_space = false; // decode(): drop one leading space (Llama/SentencePiece)
};

// Piece text with every `marker` ("▁" for Metaspace / SentencePiece) turned into a space.
std::string marker_to_spaces(const std::string& piece, const std::string& marker);

// The byte a byte-fallback piece "<0xNN>" (two hex digits) stands for, or -1 for any other
// piece (a vocabulary entry like "<0xZZ>" is an ordinary token).
int byte_fallback_value(std::string_view piece);

// Converts per-token byte ranges of `text` (tiling it) to character offsets by the
// "the completing token owns the character" rule. Used by both tokenizers.
std::vector<std::pair<int64_t, int64_t>>
byte_ranges_to_char_offsets(std::string_view text,
                            const std::vector<std::pair<size_t, size_t>>& bytes);

} // namespace ladm
