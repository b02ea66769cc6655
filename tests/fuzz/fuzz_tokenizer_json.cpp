// tokenizer.json loading and encoding: the input up to the first 0 byte is the file, the
// rest (or a fixed sentence) the text to encode. An encoding either holds one offset pair
// per id, inside the text, or says why it failed.
#include "core/text/bpe_tokenizer.h"
#include "tests/fuzz/fuzz_common.h"

#include <cstring>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto* zero = static_cast<const uint8_t*>(std::memchr(data, 0, size));
    const size_t json_len = zero ? size_t(zero - data) : size;
    const std::string path = ladm::fuzz::write_input("tokenizer.json", data, json_len);
    std::string error;
    auto tok = ladm::load_bpe_tokenizer(path, ladm::BpeOptions{}, &error);
    if (!tok) {
        if (error.empty()) std::abort();
        return 0;
    }
    const std::string text =
        zero ? std::string(reinterpret_cast<const char*>(zero + 1), size - json_len - 1)
             : std::string("Hello wörld, 12345 <|end|>\n\tcafé  ");
    for (bool special : {false, true}) {
        const ladm::Encoding e = tok->encode(text, special);
        if (!e.error.empty()) continue;
        if (e.offsets.size() != e.ids.size()) std::abort();
        for (size_t i = 0; i < e.ids.size(); ++i) {
            if (e.ids[i] < 0 || e.ids[i] >= tok->vocab_size()) std::abort();
            if (e.offsets[i].first > e.offsets[i].second) std::abort();
            (void)tok->token_bytes(e.ids[i]);
        }
    }
    return 0;
}
