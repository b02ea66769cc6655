// One JSONL record: a sample or a problem with its kind and message, never an exception.
#include "core/corpus/corpus.h"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string line(reinterpret_cast<const char*>(data), size);
    ladm::CorpusOptions o;
    o.domain_path = "meta.pile_set_name";
    ladm::Sample s;
    ladm::ProblemKind kind{};
    std::string message;
    if (ladm::parse_record(line, o, "shard", &s, &kind, &message)) {
        if (s.pretokenized ? s.input_ids.empty() : s.text.empty()) std::abort();
        for (int32_t id : s.input_ids)
            if (id < 0) std::abort();
    } else if (message.empty()) {
        std::abort();
    }
    return 0;
}
