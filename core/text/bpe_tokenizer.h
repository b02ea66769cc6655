// Internal: Hugging Face tokenizer.json with a BPE model. Normalizers (NFC, NFKC, Prepend,
// Replace, Sequence), pre-tokenizers (Split with PCRE2 regexes, ByteLevel, Metaspace,
// Digits, Sequence), added tokens matched before splitting, merges by rank,
// ignore_merges, byte_fallback, TemplateProcessing post-processor.
#pragma once

#include "core/text/tokenizer.h"

#include <nlohmann/json_fwd.hpp>

namespace ladm {

struct BpeOptions {
    // From tokenizer_config.json: when set, these replace the post-processor's BOS/EOS
    // (transformers' Llama tokenizers rebuild their post-processor from add_bos_token).
    int add_bos = -1, add_eos = -1; // -1 = keep the tokenizer.json post-processor
    std::string bos_token, eos_token;
};

std::unique_ptr<Tokenizer> load_bpe_tokenizer(const std::string& path, const BpeOptions& opts,
                                              std::string* error);

} // namespace ladm
