// Internal: SentencePiece `tokenizer.model` through Debian's libsentencepiece.
#pragma once

#include "core/text/tokenizer.h"

namespace ladm {

struct SpOptions {
    bool add_bos = true; // LlamaTokenizer's defaults
    bool add_eos = false;
};

std::unique_ptr<Tokenizer> load_sp_tokenizer(const std::string& path, const SpOptions& opts,
                                             std::string* error);

// SentencePieceTrainer::Train with spm_train-style flags ("--input=... --model_prefix=...").
bool train_sentencepiece(const std::string& flags, std::string* error);

} // namespace ladm
