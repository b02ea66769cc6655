// A run's recorded parameters and scorer list (runs.params in a cache that may come from
// anywhere; ladm score --scorers and the scorers' options): any bytes as the JSON, as the
// list and as an option's value. Parsing gives a valid set or a clear error, never a
// crash; what parses prints back to itself.
#include "core/store/run_params.h"
#include "tests/fuzz/fuzz_common.h"

#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string s(reinterpret_cast<const char*>(data), size);
    (void)ladm::params_from_json(s);
    const ladm::ScorerSet from_json = ladm::scorers_from_json(s);
    if (!from_json.model() && !from_json.lexical) std::abort();
    // what a record gives is a valid set, and records itself the same way
    if (!ladm::validate(from_json).empty()) std::abort();
    if (!(ladm::scorers_from_json(ladm::params_json(ladm::LadmParams{}, from_json)) == from_json))
        std::abort();
    // a scorer option (the first byte picks which) set from the rest: a valid set or an
    // error naming the option
    if (size > 0) {
        const auto& names = ladm::scorer_option_names();
        const std::string& name = names[data[0] % names.size()];
        ladm::ScorerSet opt;
        std::string e;
        if (ladm::set_scorer_option(&opt, name, s.substr(1), &e)) {
            if (!ladm::validate(opt).empty()) std::abort();
        } else if (e.find("--" + name) == std::string::npos) {
            std::abort();
        }
    }
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
