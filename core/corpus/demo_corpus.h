// The demo corpus: long samples built, deterministically, from text every Debian machine
// with LADM Studio's packages has — licences, Debian changelogs, C/C++ headers and Python
// sources — plus spliced controls (pieces of unrelated documents of the same domain), with
// `meta` fields like a real corpus. What `ladm demo-corpus` writes. Each control has
// the length of its coherent sample, in tokens, within a few percent (never longer).
#pragma once

#include <cstdint>
#include <string>

namespace ladm {

class Tokenizer;

struct DemoCorpusOptions {
    int samples = 200; // about; half coherent, half spliced controls
    // Sample lengths, in tokens of `tokenizer` (the calculator that will score the corpus);
    // without one, in characters / 4. Longer documents are cut at a line end.
    int64_t min_tokens = 4096, max_tokens = 16384;
    const Tokenizer* tokenizer = nullptr;
    uint64_t seed = 1;
};

struct DemoCorpusSummary {
    int coherent = 0, spliced = 0;
    int64_t chars = 0;
    int64_t min_tokens = 0, max_tokens = 0; // over the samples written
};

bool write_demo_corpus(const std::string& out_path, const DemoCorpusOptions& o,
                       DemoCorpusSummary* summary, std::string* error);

} // namespace ladm
