// The training curriculum of the bundled attention calculator: the sequences it reads
// (Batcher), the long-range attention targets (retrieval_targets, declared in
// calculator_train.h) and the default training text. Plain types; no libtorch.
#pragma once

#include "core/calculator_train.h"

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
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
    // Each document's rarity class (see TrainOptions::domain_rarity), reported per token
    // by build(); tokens of no document (BOS, random passages) get kNoDomain.
    const std::vector<int32_t>* doc_domains = nullptr;
    static constexpr int32_t kNoDomain = -1;

    size_t doc(std::mt19937_64& rng, size_t min_len) const {
        for (int tries = 0; tries < 64; ++tries) {
            const size_t i = rng() % docs.size();
            if (docs[i].size() >= min_len) return i;
        }
        return rng() % docs.size();
    }
    // Appends n tokens of text (pieces of random documents) to out, and each one's
    // document's class to dom.
    void take(std::mt19937_64& rng, std::vector<int32_t>* out, std::vector<int32_t>* dom,
              size_t n) const {
        while (n > 0) {
            const size_t i = doc(rng, 16);
            const auto& d = docs[i];
            const size_t len = std::min(n, d.size());
            const size_t start = d.size() > len ? rng() % (d.size() - len + 1) : 0;
            out->insert(out->end(), d.begin() + long(start), d.begin() + long(start + len));
            dom->insert(dom->end(), len, doc_domains ? (*doc_domains)[i] : kNoDomain);
            n -= len;
        }
    }

    // progress: the fraction of training done (drives the gap curriculum).
    // seq (optional): the tokens, for the supervision targets; seq_domains (optional):
    // each token's document class.
    // T: the sequence length in tokens, BOS included.
    void build(std::mt19937_64& rng, int T, bool plain_only, double progress,
               std::vector<int64_t>* ids, std::vector<int64_t>* pos,
               std::vector<int32_t>* seq = nullptr,
               std::vector<int32_t>* seq_domains = nullptr) const;
};

// Token frequencies of the training text and the retrieval targets' match weights
// (TrainOptions::match_theta, domain_rarity).
struct TokenRarity {
    std::vector<double> neg_log_freq; // -log frequency over all the text (add-one)
    // Each training document's rarity class (its kind of text when that kind has
    // kMinDomainDocuments files and domain_rarity is on), else Batcher::kNoDomain.
    std::vector<int32_t> doc_class;
    std::vector<std::string> class_names;
    // exp(-log frequency - match_theta) per class, then over all the text (the last row,
    // for kNoDomain)
    std::vector<std::vector<float>> weight;
    // Per token, its -log frequency averaged over its occurrences in the training text,
    // each in its class: what the targets ask of it on average (the matchers' start).
    std::vector<double> init_neg_log_freq;

    // match_weight for retrieval_targets: each token's weight in its class.
    std::vector<float> match_weights(const std::vector<int32_t>& seq,
                                     const std::vector<int32_t>& seq_class) const;
};

// docs: the training documents' tokens, kinds: their text_domain.
TokenRarity token_rarity(const TrainOptions& o, const std::vector<std::vector<int32_t>>& docs,
                         const std::vector<std::string>& kinds, int32_t vocab);

} // namespace ladm
