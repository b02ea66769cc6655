// A run's recorded parameters and scorer list (runs.params in a cache that may come from
// anywhere; ladm score --scorers): any bytes as the JSON and as the list. Parsing gives a
// set or a clear error, never a crash; what parses prints back to itself.
#include "core/store/run_params.h"
#include "tests/fuzz/fuzz_common.h"

#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string s(reinterpret_cast<const char*>(data), size);
    (void)ladm::params_from_json(s);
    const ladm::ScorerSet from_json = ladm::scorers_from_json(s);
    if (!from_json.cds && !from_json.longattn && !from_json.lexical) std::abort();
    ladm::ScorerSet set;
    std::string error;
    if (ladm::parse_scorers(s, &set, &error)) {
        ladm::ScorerSet again;
        std::string e2;
        if (!ladm::parse_scorers(ladm::scorers_text(set), &again, &e2) || !(again == set))
            std::abort();
    } else if (error.empty()) {
        std::abort();
    }
    return 0;
}
