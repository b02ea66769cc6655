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
// Plain types only: libtorch stays inside core/model/*.cpp. No exception leaves this API.
// An Engine is used by one thread at a time (the worker that owns it).
#pragma once

#include "core/model/model_config.h"
#include "core/model/score_types.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace ladm {

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
    // Checks that this model can compute what opts asks for and loads what that needs (the
    // LM head for LC gain), so a job fails once instead of every sample: false + *error
    // naming the file. score() does the same on its own.
    bool prepare(const ScoreOptions& opts, std::string* error);

    // Final hidden states (after the last RMSNorm), row-major [L x hidden_size].
    bool hidden_states(const std::vector<int32_t>& ids, std::vector<float>* out,
                       std::string* error);

    // Analytic FLOPs of one scoring forward of L tokens (linear layers + causal attention).
    double forward_flops(int64_t L) const;
    // Analytic FLOPs of score() on L tokens with these options: the forward the scores
    // share (one layer for LongAttn alone, every layer in full when LC gain needs logits),
    // LC gain's short windows and the LM head rows it reads.
    double score_flops(int64_t L, const LadmParams& params, const ScoreOptions& opts) const;

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
