// The engine's plain-type options and results (no libtorch), shared by the public Engine
// API (engine.h) and the internal forward (forward.h).
#pragma once

#include "core/model/ladm_math.h"

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

namespace ladm {

struct EngineOptions {
    std::string device = "auto"; // auto | cpu | cuda | cuda:N
    int threads = 0;             // 0 = libtorch's default (one per core)
    // Bytes of attention logits one step may hold; sets the query block size. 16 MiB keeps
    // a step in cache-friendly range: 96 MiB ran 25% slower at 16K tokens on 2 cores.
    int64_t attention_budget_bytes = int64_t(16) << 20;
    int64_t row_chunk = 512; // rows per projection / MLP step (rounded to the block size)
    // Diagnostic: every layer's query projection (and bias) multiplied by this, so every
    // attention logit is too (> 1 sharper, < 1 softer attention). Not 1: the fingerprint
    // says so, and cached scores of the unscaled model are not reused.
    double query_scale = 1.0;
};
EngineOptions default_engine_options();

enum class ScoreStatus { Ok, TooShort, Error };
const char* status_name(ScoreStatus s);

struct ScoreResult {
    ScoreStatus status = ScoreStatus::Error;
    std::string error; // set when status == Error
    double cds = 0;    // mean over layers of CDS_l (= mean of `afs`)
    std::vector<double> cds_per_layer;
    std::vector<int64_t> span_starts; // query-span starts t, descending (as in the spec)
    std::vector<double> afs;          // layer-mean AFS per query span, same order
    // Layer-mean (and head-mean) attention mass of each query span on every C-window of
    // the grid anchored at L (see WindowGrid): row-major [span_starts.size() x windows];
    // cells at or after the span are 0. Each row sums to C.
    int64_t windows = 0;
    std::vector<float> span_mass;
    std::vector<std::vector<float>> layer_span_mass; // per layer, when asked for
    // LongAttn (ScoreOptions::longattn; docs/scorers.md): the first layer's causal attention
    // restricted to queries in the last 3/4 and keys in the first 3/4 (lower-triangular),
    // per head its sum / L ("proportion") and the variance of the masked L x L matrix
    // ("uniformity"), each averaged over the heads. NaN when not computed.
    double longattn_proportion = std::numeric_limits<double>::quiet_NaN();
    double longattn_uniformity = std::numeric_limits<double>::quiet_NaN();
    // LC gain (ScoreOptions::lcgain; docs/scorers.md): per token of [window, L), log p with the
    // whole context minus log p with only the short window's, averaged ("lcgain"), and the
    // share of those tokens that are LongPPL's key tokens. lcgain_tokens = 0 (and both NaN)
    // when not computed: not asked for, or L <= window.
    double lcgain = std::numeric_limits<double>::quiet_NaN();
    double lcgain_key_fraction = std::numeric_limits<double>::quiet_NaN();
    int64_t lcgain_tokens = 0;
    int64_t tokens = 0;          // scored (after truncation to max_len)
    int64_t original_tokens = 0; // before truncation
    double seconds = 0;
};

// The long-vs-short-context loss gain of LongPPL's key-token search (PKU-ML/LongPPL,
// longppl/longppl.py find_key_token): windows of window + stride tokens starting every
// stride tokens; each scores its last stride tokens with only the window before them.
struct LcGainParams {
    int64_t window = 4096; // LongPPL's trunc_len
    int64_t stride = 1024; // LongPPL's sliding_window
    double alpha = 2.0;    // key token: loss_short - loss_full > alpha ...
    double beta = -2.0;    // ... and loss_full < -beta
    bool operator==(const LcGainParams&) const = default;
};
// Why the parameters cannot be used (naming the value), or empty.
std::string validate(const LcGainParams& p);

struct ScoreOptions {
    bool cds = true;       // LADM's CDS (and its spans); false: no LADM part at all
    bool longattn = false; // LongAttn's proportion and uniformity (first layer only)
    bool lcgain = false;   // LC gain (needs the LM head: lm_head.weight or tied embeddings)
    LcGainParams lcgain_params;
    bool keep_layer_matrices = false;
    // Called after each layer with (layers done, total); return false to cancel.
    std::function<bool(int, int)> progress;
};

} // namespace ladm
