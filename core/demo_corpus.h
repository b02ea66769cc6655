// The demo corpus: long samples built, deterministically, from text every Debian machine
// with LADM Studio's packages has — licences, Debian changelogs, C/C++ headers and Python
// sources — plus spliced controls (pieces of unrelated documents of the same domain), with
// `meta` fields like a real corpus. What `ladm demo-corpus` writes.
#pragma once

#include <cstdint>
#include <string>

namespace ladm {

struct DemoCorpusOptions {
    int samples = 200;         // about; half coherent, half spliced controls
    int64_t min_chars = 16000; // ~4K tokens of English / code
    int64_t max_chars = 64000; // ~16K tokens
    uint64_t seed = 1;
};

struct DemoCorpusSummary {
    int coherent = 0, spliced = 0;
    int64_t chars = 0;
};

bool write_demo_corpus(const std::string& out_path, const DemoCorpusOptions& o,
                       DemoCorpusSummary* summary, std::string* error);

} // namespace ladm
