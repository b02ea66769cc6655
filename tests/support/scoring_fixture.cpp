#include "tests/support/scoring_fixture.h"

#include "tests/support/tiny_model.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

namespace ladm::test {

LadmParams small_params() {
    LadmParams p;
    p.span = 16;
    p.d_afs = 2;
    p.d_cds = 2;
    return p;
}

void write_corpus(const std::string& path, int n, int min_len, uint64_t seed, int short_index) {
    std::mt19937_64 rng(seed);
    const char* domains[] = {"ArXiv", "Github", "Books"};
    const char* words[] = {"alpha", "beta",    "gamma", "delta", "omega",
                           "long",  "context", "data",  "model", "span"};
    std::ofstream f(path);
    for (int i = 0; i < n; ++i) {
        std::string text;
        const int len = i == short_index ? 40 : min_len + int(rng() % uint64_t(min_len));
        while (int(text.size()) < len)
            text += std::string(words[rng() % 10]) + (rng() % 7 ? " " : "\n");
        f << nlohmann::json{{"id", "doc" + std::to_string(i)},
                            {"text", text},
                            {"meta", {{"pile_set_name", domains[i % 3]}}}}
                 .dump()
          << "\n";
    }
}

Scorer::Scorer(const std::string& dir) {
    error = write_scoring_model(dir);
    if (!error.empty()) return;
    EngineOptions o;
    o.device = "cpu";
    o.threads = 1;
    engine = Engine::open(dir, o, &error);
    if (engine) tokenizer = Tokenizer::from_dir(dir, &error);
}

bool Scorer::score(const std::vector<std::string>& inputs, const std::string& cache_path,
                   ScoreJobSummary* sum, int shard_index, int shard_count) {
    if (!engine || !tokenizer) return false;
    ScoreJobOptions o;
    o.inputs = inputs;
    o.cache_path = cache_path;
    o.params = small_params();
    o.shard_index = shard_index;
    o.shard_count = shard_count;
    return run_score_job(
        *engine, *tokenizer, o, [](const ScoreJobProgress&) { return true; }, [](const Problem&) {},
        sum, &error);
}

} // namespace ladm::test
