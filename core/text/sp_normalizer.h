// The normalization rule inside a SentencePiece tokenizer.model: its NormalizerSpec, whose
// precompiled_charsmap SentencePiece applies to every text before encoding (and maps the
// pieces' offsets back to the original text), as Hugging Face's Llama tokenizers do too.
//
//   std::string out, err;
//   if (!ladm::splice_normalizer(model_bytes, donor_bytes, &out, &err)) ... // err says why
//
// Used to give a trained tokenizer a rule it was not trained with (ladm
// add-punctuation-rule): the donor is a model spm_train compiled the rule into.
#pragma once

#include <string>
#include <string_view>

namespace ladm {

// `model` (a serialized ModelProto) with its normalizer's name and precompiled_charsmap
// taken from `donor`'s, and the rule file path that spm_train records dropped; every other
// field (pieces, trainer spec, the normalizer's whitespace flags) is kept byte for byte.
// False with *error when either is not a well-formed ModelProto at the top level or the
// donor has no compiled rule.
bool splice_normalizer(std::string_view model, std::string_view donor, std::string* out,
                       std::string* error);

// The name of `model`'s normalizer ("identity", "nmt_nfkc", "user_defined"...), "" when it
// has none or the bytes are not a ModelProto.
std::string normalizer_name(std::string_view model);

} // namespace ladm
