// The parts of a Hugging Face `config.json` a Llama-family decoder needs.
// Unknown keys are ignored (transformers writes many).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace ladm {

enum class RopeScaling { None, Linear, Dynamic, Llama3 };

struct ModelConfig {
    std::string model_type; // llama, mistral, qwen2
    int64_t hidden_size = 0;
    int64_t num_layers = 0;
    int64_t num_heads = 0;
    int64_t num_kv_heads = 0;
    int64_t head_dim = 0;
    int64_t intermediate_size = 0;
    int64_t vocab_size = 0;
    int64_t max_position_embeddings = 2048;
    double rms_norm_eps = 1e-6;
    double rope_theta = 10000.0;
    RopeScaling rope_scaling = RopeScaling::None;
    double rope_factor = 1.0;
    double rope_low_freq_factor = 1.0;         // llama3
    double rope_high_freq_factor = 4.0;        // llama3
    int64_t rope_original_max_position = 8192; // llama3
    bool tie_word_embeddings = false;
    bool qkv_bias = false;      // attention_bias (llama/mistral) or always (qwen2)
    bool o_bias = false;        // attention_bias (llama) only
    bool mlp_bias = false;      // llama's mlp_bias
    int64_t sliding_window = 0; // 0 = full attention

    // Parses and validates; returns nullopt and sets *error (naming the file and the key).
    static std::optional<ModelConfig>
    from_json_text(const std::string& text, const std::string& file_name, std::string* error);
    static std::optional<ModelConfig> from_file(const std::string& path, std::string* error);
    // Why a value cannot be used (names the key and the value), or empty: checked by
    // from_json_text for every config it reads.
    std::string invalid_value() const;
};

const char* rope_scaling_name(RopeScaling s);

} // namespace ladm
