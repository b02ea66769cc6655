// Giving a calculator's SentencePiece tokenizer the typographic-punctuation rule
// (ascii_punctuation_table): curly quotes, primes and guillemets as ' and ", dashes as -,
// the ellipsis as ..., Unicode spaces as a space, applied by SentencePiece itself to every
// text before encoding, wherever the checkpoint is used (the app, the CLI, transformers).
#pragma once

#include <string>

namespace ladm {

// The rule as spm_train's --normalization_rule_tsv text: one line per character, its code
// point and its replacement's, in hex.
std::string punctuation_rule_tsv();

struct PunctuationRuleResult {
    std::string previous_rule; // the normalizer's name before ("identity", ...)
    int characters = 0;        // characters the rule maps
};

// Compiles the rule with Debian's spm_train (a throw-away character model), splices it into
// model_dir/tokenizer.model (splice_normalizer: the pieces stay as they are), checks that
// the result encodes a text with every mapped character exactly as its ASCII form, and
// replaces the file atomically. False with *error naming the file otherwise (the file is
// then unchanged).
bool add_punctuation_rule(const std::string& model_dir, PunctuationRuleResult* result,
                          std::string* error);

} // namespace ladm
