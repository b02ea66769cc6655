// ladm-test-fixture: helpers for shell-level tests (the Slurm integration test).
//   ladm-test-fixture model DIR                 tiny checkpoint + byte-level tokenizer
//   ladm-test-fixture corpus FILE N MINLEN SEED JSONL corpus over three domains
//   ladm-test-fixture count DB                  results in a cache file
//   ladm-test-fixture compare A.db B.db TOL     same samples, CDS within TOL (exit 1 if not)
#include "core/store/cache.h"
#include "tests/support/scoring_fixture.h"
#include "tests/support/tiny_model.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>

using namespace ladm;

static std::map<std::string, std::pair<std::string, double>> results_of(const std::string& db) {
    std::string err;
    auto c = Cache::open(db, &err);
    if (!c) {
        std::fprintf(stderr, "%s\n", err.c_str());
        std::exit(2);
    }
    std::map<std::string, std::pair<std::string, double>> out;
    for (const auto& r : c->results(c->latest_run()))
        out[r.key] = {r.status, r.cds};
    return out;
}

int main(int argc, char** argv) {
    const std::string cmd = argc > 1 ? argv[1] : "";
    if (cmd == "model" && argc == 3) {
        const std::string e = test::write_scoring_model(argv[2]);
        if (!e.empty()) std::fprintf(stderr, "%s\n", e.c_str());
        return e.empty() ? 0 : 1;
    }
    if (cmd == "corpus" && argc == 6) {
        test::write_corpus(argv[2], std::atoi(argv[3]), std::atoi(argv[4]),
                           std::strtoull(argv[5], nullptr, 10), /*short_index=*/-1);
        return 0;
    }
    if (cmd == "count" && argc == 3) {
        std::string err;
        auto c = Cache::open(argv[2], &err);
        std::printf("%lld\n", c ? (long long)c->count("results") : 0LL);
        return 0;
    }
    if (cmd == "compare" && argc == 5) {
        const auto a = results_of(argv[2]), b = results_of(argv[3]);
        const double tol = std::atof(argv[4]);
        if (a.size() != b.size()) {
            std::fprintf(stderr, "sample counts differ: %zu vs %zu\n", a.size(), b.size());
            return 1;
        }
        double worst = 0;
        for (const auto& [k, v] : a) {
            auto it = b.find(k);
            if (it == b.end() || it->second.first != v.first) {
                std::fprintf(stderr, "sample %s missing or with another status\n", k.c_str());
                return 1;
            }
            worst = std::max(worst, std::abs(it->second.second - v.second));
        }
        std::printf("%zu samples, largest CDS difference %.3g\n", a.size(), worst);
        return worst <= tol ? 0 : 1;
    }
    std::fprintf(stderr, "usage: see the top of fixture_main.cpp\n");
    return 64;
}
