// LADM scoring engine: a Llama-family decoder (llama, mistral, qwen2) read from a
// Hugging Face checkpoint folder, with the LADM span capture fused into a blockwise
// attention that never materialises an L x L matrix.
//
//   std::string err;
//   auto engine = ladm::Engine::open("/models/tinyllama-32k", ladm::default_engine_options(),
//   &err); if (!engine) { std::cerr << err; return 1; } ladm::ScoreResult r =
//   engine->score(token_ids, ladm::LadmParams{}); if (r.status == ladm::ScoreStatus::Ok) std::cout
//   << r.cds;
//
// Plain types only: libtorch stays inside core/*.cpp. No exception leaves this API.
// An Engine is used by one thread at a time (the worker that owns it).
#pragma once

#include "core/ladm_math.h"
#include "core/model_config.h"

#include <cstdint>
#include <functional>
#include <memory>
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

struct ModelInfo {
    ModelConfig config;
    std::string dir;
    std::string fingerprint;
    std::string device; // "cpu" or "cuda:N"
    int threads = 0;
    size_t weight_bytes = 0;           // as stored on disk
    size_t parameter_count = 0;        // decoder parameters actually loaded
    std::vector<std::string> warnings; // e.g. reference BLAS, sliding window ignored
};

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
    int64_t tokens = 0;                              // scored (after truncation to max_len)
    int64_t original_tokens = 0;                     // before truncation
    double seconds = 0;
};

struct ScoreOptions {
    bool keep_layer_matrices = false;
    // Called after each layer with (layers done, total); return false to cancel.
    std::function<bool(int, int)> progress;
};

class Engine {
  public:
    static std::unique_ptr<Engine> open(const std::string& dir, const EngineOptions& opts,
                                        std::string* error);
    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    const ModelInfo& info() const;

    ScoreResult score(const std::vector<int32_t>& ids, const LadmParams& params,
                      const ScoreOptions& opts = {});

    // Final hidden states (after the last RMSNorm), row-major [L x hidden_size].
    bool hidden_states(const std::vector<int32_t>& ids, std::vector<float>* out,
                       std::string* error);

    // Analytic FLOPs of one scoring forward of L tokens (linear layers + causal attention).
    double forward_flops(int64_t L) const;

  private:
    Engine();
    struct Impl;
    std::unique_ptr<Impl> d;
};

// Warnings about the process's BLAS (e.g. the slow reference implementation is loaded).
std::vector<std::string> blas_warnings();

// Keeps freed tensor memory in the process (glibc malloc tuning) instead of returning it
// to the kernel to be faulted in again; Engine::open calls it, train_calculator with
// never_release (no mmap, no trimming at all).
void tune_allocator(bool never_release = false);

} // namespace ladm
