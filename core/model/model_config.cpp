#include "core/model/model_config.h"

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace ladm {

const char* rope_scaling_name(RopeScaling s) {
    switch (s) {
    case RopeScaling::Linear:
        return "linear";
    case RopeScaling::Dynamic:
        return "dynamic";
    case RopeScaling::Llama3:
        return "llama3";
    default:
        return "none";
    }
}

namespace {
using nlohmann::json;

struct Reader {
    const json& j;
    const std::string& file;
    std::string* error;
    bool ok = true;

    void fail(const std::string& msg) {
        if (ok) *error = file + ": " + msg;
        ok = false;
    }
    bool present(const json& o, const char* key) const {
        return o.contains(key) && !o[key].is_null();
    }
    void integer(const char* key, int64_t& out, bool required, const json* obj = nullptr) {
        const json& o = obj ? *obj : j;
        if (!present(o, key)) {
            if (required) fail("missing required key '" + std::string(key) + "'");
            return;
        }
        if (!o[key].is_number_integer()) {
            fail("key '" + std::string(key) + "' must be an integer");
            return;
        }
        out = o[key].get<int64_t>();
    }
    void number(const char* key, double& out, const json* obj = nullptr) {
        const json& o = obj ? *obj : j;
        if (!present(o, key)) return;
        if (!o[key].is_number()) {
            fail("key '" + std::string(key) + "' must be a number");
            return;
        }
        out = o[key].get<double>();
    }
    void boolean(const char* key, bool& out) {
        if (!present(j, key)) return;
        if (!j[key].is_boolean()) {
            fail("key '" + std::string(key) + "' must be true or false");
            return;
        }
        out = j[key].get<bool>();
    }
};
} // namespace

std::optional<ModelConfig>
ModelConfig::from_json_text(const std::string& text, const std::string& file, std::string* error) {
    json j;
    try {
        j = json::parse(text);
    } catch (const std::exception& e) {
        *error = file + ": not valid JSON: " + e.what();
        return std::nullopt;
    }
    if (!j.is_object()) {
        *error = file + ": not a JSON object";
        return std::nullopt;
    }
    ModelConfig c;
    Reader r{j, file, error};
    if (!j.contains("model_type") || !j["model_type"].is_string()) {
        *error = file + ": missing 'model_type' (expected llama, mistral or qwen2)";
        return std::nullopt;
    }
    c.model_type = j["model_type"].get<std::string>();
    if (c.model_type != "llama" && c.model_type != "mistral" && c.model_type != "qwen2") {
        *error = file + ": unsupported model_type '" + c.model_type +
                 "' (supported: llama, mistral, qwen2)";
        return std::nullopt;
    }
    r.integer("hidden_size", c.hidden_size, true);
    r.integer("num_hidden_layers", c.num_layers, true);
    r.integer("num_attention_heads", c.num_heads, true);
    r.integer("intermediate_size", c.intermediate_size, true);
    r.integer("vocab_size", c.vocab_size, true);
    c.num_kv_heads = c.num_heads;
    r.integer("num_key_value_heads", c.num_kv_heads, false);
    r.integer("max_position_embeddings", c.max_position_embeddings, false);
    r.number("rms_norm_eps", c.rms_norm_eps);
    r.number("rope_theta", c.rope_theta);
    r.boolean("tie_word_embeddings", c.tie_word_embeddings);
    bool attention_bias = false, mlp_bias = false;
    r.boolean("attention_bias", attention_bias);
    r.boolean("mlp_bias", mlp_bias);
    if (!r.ok) return std::nullopt;

    if (c.model_type == "qwen2") {
        c.qkv_bias = true; // Qwen2 always has q/k/v biases and none on o_proj
    } else {
        c.qkv_bias = attention_bias;
        c.o_bias = attention_bias;
        c.mlp_bias = mlp_bias;
    }

    if (c.hidden_size <= 0 || c.num_layers <= 0 || c.num_heads <= 0 || c.num_kv_heads <= 0 ||
        c.intermediate_size <= 0 || c.vocab_size <= 0) {
        *error = file + ": hidden_size, num_hidden_layers, num_attention_heads, "
                        "num_key_value_heads, intermediate_size and vocab_size must be positive";
        return std::nullopt;
    }
    if (c.num_heads % c.num_kv_heads != 0) {
        *error = file + ": num_attention_heads (" + std::to_string(c.num_heads) +
                 ") is not a multiple of num_key_value_heads (" + std::to_string(c.num_kv_heads) +
                 ")";
        return std::nullopt;
    }
    if (j.contains("head_dim") && !j["head_dim"].is_null()) {
        r.integer("head_dim", c.head_dim, true);
    } else {
        if (c.hidden_size % c.num_heads != 0) {
            *error = file + ": hidden_size is not a multiple of num_attention_heads and no "
                            "head_dim is given";
            return std::nullopt;
        }
        c.head_dim = c.hidden_size / c.num_heads;
    }
    if (!r.ok) return std::nullopt;
    if (c.head_dim <= 0 || c.head_dim % 2 != 0) {
        *error =
            file + ": head_dim must be a positive even number, got " + std::to_string(c.head_dim);
        return std::nullopt;
    }

    // Sliding-window attention: Mistral sets sliding_window; Qwen2 only uses it when
    // use_sliding_window is true.
    bool use_sw = c.model_type == "mistral";
    if (c.model_type == "qwen2") r.boolean("use_sliding_window", use_sw);
    if (use_sw) r.integer("sliding_window", c.sliding_window, false);
    if (!r.ok) return std::nullopt;

    if (j.contains("rope_scaling") && !j["rope_scaling"].is_null()) {
        const json& rs = j["rope_scaling"];
        if (!rs.is_object()) {
            *error = file + ": rope_scaling must be an object or null";
            return std::nullopt;
        }
        std::string type;
        if (rs.contains("rope_type") && rs["rope_type"].is_string())
            type = rs["rope_type"].get<std::string>();
        else if (rs.contains("type") && rs["type"].is_string())
            type = rs["type"].get<std::string>();
        if (type == "default") {
            c.rope_scaling = RopeScaling::None;
        } else if (type == "linear" || type == "dynamic" || type == "llama3") {
            c.rope_scaling = type == "linear"    ? RopeScaling::Linear
                             : type == "dynamic" ? RopeScaling::Dynamic
                                                 : RopeScaling::Llama3;
            if (!rs.contains("factor") || !rs["factor"].is_number()) {
                *error = file + ": rope_scaling." + type + " needs a numeric 'factor'";
                return std::nullopt;
            }
            r.number("factor", c.rope_factor, &rs);
            if (c.rope_scaling == RopeScaling::Llama3) {
                r.number("low_freq_factor", c.rope_low_freq_factor, &rs);
                r.number("high_freq_factor", c.rope_high_freq_factor, &rs);
                r.integer("original_max_position_embeddings", c.rope_original_max_position, false,
                          &rs);
            }
        } else {
            *error = file + ": unsupported rope_scaling type '" + type +
                     "' (supported: linear, dynamic, llama3)";
            return std::nullopt;
        }
        if (!r.ok) return std::nullopt;
    }
    if (std::string e = c.invalid_value(); !e.empty()) {
        *error = file + ": " + e;
        return std::nullopt;
    }
    return c;
}

std::string ModelConfig::invalid_value() const {
    auto num = [](double x) {
        std::ostringstream s;
        s << x;
        return s.str();
    };
    // Values that would give NaN or nonsense downstream rather than an error: the engine
    // divides by rope_theta's powers, takes 1/sqrt(mean + rms_norm_eps), divides positions
    // by the rope factor.
    if (!(std::isfinite(rope_theta) && rope_theta > 0))
        return "key 'rope_theta' must be a positive number, got " + num(rope_theta);
    if (!(std::isfinite(rms_norm_eps) && rms_norm_eps > 0))
        return "key 'rms_norm_eps' must be a positive number, got " + num(rms_norm_eps);
    if (max_position_embeddings <= 0)
        return "key 'max_position_embeddings' must be positive, got " +
               std::to_string(max_position_embeddings);
    if (sliding_window < 0)
        return "key 'sliding_window' must be positive, got " + std::to_string(sliding_window);
    if (rope_scaling != RopeScaling::None) {
        if (!(std::isfinite(rope_factor) && rope_factor > 0))
            return "key 'rope_scaling.factor' must be a positive number, got " + num(rope_factor);
        if (rope_scaling == RopeScaling::Llama3) {
            if (!(std::isfinite(rope_low_freq_factor) && rope_low_freq_factor > 0 &&
                  std::isfinite(rope_high_freq_factor) &&
                  rope_high_freq_factor > rope_low_freq_factor))
                return "keys 'rope_scaling.low_freq_factor' (" + num(rope_low_freq_factor) +
                       ") and 'high_freq_factor' (" + num(rope_high_freq_factor) +
                       ") must be positive with high > low";
            if (rope_original_max_position <= 0)
                return "key 'rope_scaling.original_max_position_embeddings' must be positive, "
                       "got " +
                       std::to_string(rope_original_max_position);
        }
    }
    return {};
}

std::optional<ModelConfig> ModelConfig::from_file(const std::string& path, std::string* error) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        *error = path + ": cannot open (is this a Hugging Face checkpoint folder?)";
        return std::nullopt;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    return from_json_text(ss.str(), path, error);
}

} // namespace ladm
