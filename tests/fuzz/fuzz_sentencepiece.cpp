// A SentencePiece tokenizer.model through the shim (libsentencepiece parses the protobuf):
// any bytes either load with a clear error or encode text into ids inside the vocabulary.
#include "core/text/sp_tokenizer.h"
#include "tests/fuzz/fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string path = ladm::fuzz::write_input("tokenizer.model", data, size);
    std::string error;
    auto tok = ladm::load_sp_tokenizer(path, ladm::SpOptions{}, &error);
    if (!tok) {
        if (error.empty()) std::abort();
        return 0;
    }
    const ladm::Encoding e = tok->encode("Hello wörld, 12345\n\tcafé ✓", true);
    if (!e.error.empty()) return 0;
    if (e.offsets.size() != e.ids.size()) std::abort();
    for (int32_t id : e.ids)
        if (id < 0 || id >= tok->vocab_size()) std::abort();
    return 0;
}
