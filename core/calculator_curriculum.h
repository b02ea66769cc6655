// The training curriculum of the bundled attention calculator: the sequences it reads
// (Batcher), the long-range attention targets (retrieval_targets, declared in
// calculator_train.h) and the default training text. Plain types; no libtorch.
#pragma once

#include "core/calculator_train.h"

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

namespace ladm {

// Builds training sequences: BOS, then either a plain window of text or a retrieval
// sequence — a passage (natural text, or random tokens that only copying can predict)
// that recurs 2-3 times among unrelated text — with a PoSE-style skip in the positions so
// distances up to max_positions are seen. Early in training (progress < copy_warmup) the
// repeats come close together, which is where induction heads form quickly; later the
// gaps span the whole sequence and the skip falls between two copies, so retrieval
// happens across the long distances LADM measures.
struct Batcher {
    const TrainOptions& o;
    const std::vector<std::vector<int32_t>>& docs;
    int32_t bos;
    int32_t vocab;

    const std::vector<int32_t>& doc(std::mt19937_64& rng, size_t min_len) const {
        for (int tries = 0; tries < 64; ++tries) {
            const auto& d = docs[rng() % docs.size()];
            if (d.size() >= min_len) return d;
        }
        return docs[rng() % docs.size()];
    }
    void take(std::mt19937_64& rng, std::vector<int32_t>* out, size_t n) const {
        while (n > 0) {
            const auto& d = doc(rng, 16);
            const size_t len = std::min(n, d.size());
            const size_t start = d.size() > len ? rng() % (d.size() - len + 1) : 0;
            out->insert(out->end(), d.begin() + long(start), d.begin() + long(start + len));
            n -= len;
        }
    }

    // progress: the fraction of training done (drives the gap curriculum).
    // seq (optional): the tokens, for the supervision targets.
    // T: the sequence length in tokens, BOS included.
    void build(std::mt19937_64& rng, int T, bool plain_only, double progress,
               std::vector<int64_t>* ids, std::vector<int64_t>* pos,
               std::vector<int32_t>* seq = nullptr) const;
};

} // namespace ladm
