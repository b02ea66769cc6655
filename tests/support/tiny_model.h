// Test support: tiny random Llama-family checkpoints written as real Hugging Face folders
// (config.json + safetensors), and a deliberately naive reference forward + LADM score
// computed in float64 straight from the specification (materialised attention, a fresh
// softmax per query span). The reference regenerates the weights from the spec's seed, so
// it shares no code with the engine's loader or forward.
#pragma once

#include "core/model/ladm_math.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ladm::test {

struct TinyModelSpec {
    std::string model_type = "llama";
    int64_t hidden = 32, layers = 2, heads = 4, kv_heads = 2, intermediate = 48, vocab = 97;
    int64_t head_dim = 0; // 0 = hidden / heads, and no head_dim key written
    int64_t max_position_embeddings = 4096;
    double rope_theta = 10000.0;
    std::string rope_scaling_json = "null"; // written verbatim into config.json
    bool tie_word_embeddings = false;
    bool attention_bias = false; // llama: q/k/v/o biases (qwen2 always has q/k/v biases)
    std::string dtype = "F32";   // F32, F16, BF16 on disk
    int shards = 1;              // > 1 writes model-0000k-of-0000n + index.json
    uint64_t seed = 1;
    bool zero_attention = false; // q and k projections all zero: uniform attention
    double qk_gain = 2.0;        // scales q/k weights: larger = sharper attention
};

// Writes the checkpoint folder (created if needed). Returns an error message or "".
std::string write_tiny_checkpoint(const std::string& dir, const TinyModelSpec& spec);

// Writes a safetensors file from raw float32 data, for the loader's error tests.
struct RawTensor {
    std::string name;
    std::string dtype = "F32";
    std::vector<int64_t> shape;
    std::vector<float> values; // converted to dtype
};
void write_safetensors(const std::string& path, const std::vector<RawTensor>& tensors);

struct NaiveResult {
    std::vector<double> hidden; // final-normed, [L x hidden]
    // log p(ids[i + 1] | ids[..i]) for i in [0, L - 1): the LM head (lm_head.weight, or
    // the embeddings when tied) over the whole vocabulary, log-softmax in float64
    std::vector<double> next_logprob;
    bool too_short = false;
    double cds = 0;
    std::vector<double> cds_per_layer;
    std::vector<int64_t> span_starts;
    std::vector<double> afs;              // layer mean
    std::vector<std::vector<double>> pfs; // layer 0's PFS per span, for inspection
    // LongAttn, as its reference code computes it (LongAttn.py): layer 0's softmax matrix
    // times a mask that is 1 on the lower triangle of rows [L - m, L) x keys [0, m),
    // m = 3 * (L / 4); per head sum / L and torch's (unbiased) .var() of the whole masked
    // matrix; means over heads.
    double longattn_proportion = 0, longattn_uniformity = 0;
};

NaiveResult naive_reference(const TinyModelSpec& spec, const std::vector<int32_t>& ids,
                            const LadmParams& p);

std::vector<int32_t> random_ids(int64_t n, int64_t vocab, uint64_t seed);

// A GPT-2-style byte-level tokenizer.json with only the 256 byte symbols (id = byte) and
// no merges, plus a tokenizer_config.json: pairs with a TinyModelSpec of vocab >= 256.
void write_byte_tokenizer(const std::string& dir);

// A complete scoring fixture: a tiny checkpoint with vocab 256 plus the byte tokenizer,
// so any text can be scored. Returns an error message or "".
std::string write_scoring_model(const std::string& dir);

} // namespace ladm::test
