#include "core/model/model_weights.h"

#include <sstream>

namespace ladm {

namespace {

std::string shape_str(const std::vector<int64_t>& s) {
    std::ostringstream o;
    o << "[";
    for (size_t i = 0; i < s.size(); ++i)
        o << (i ? ", " : "") << s[i];
    o << "]";
    return o.str();
}

struct Loader {
    const Checkpoint& ck;
    torch::Device device;
    std::string* error;
    size_t params = 0;

    // Converts one mapped tensor to an owned fp32 tensor on the device; checks its shape.
    bool get(const std::string& name, const std::vector<int64_t>& shape, torch::Tensor* out) {
        const TensorView* v = ck.find(name);
        if (!v) {
            *error = ck.file_of(name) + ": missing tensor '" + name + "'";
            return false;
        }
        if (v->shape != shape) {
            *error = ck.file_of(name) + ": tensor '" + name + "' has shape " + shape_str(v->shape) +
                     " but config.json implies " + shape_str(shape);
            return false;
        }
        const auto st = v->dtype == DType::F32   ? torch::kFloat32
                        : v->dtype == DType::F16 ? torch::kFloat16
                                                 : torch::kBFloat16;
        // from_blob does not copy; the mapping is read-only, so clone/convert right away.
        auto src = torch::from_blob(const_cast<uint8_t*>(v->data), v->shape,
                                    torch::TensorOptions().dtype(st));
        *out = src.to(device, torch::kFloat32, /*non_blocking=*/false, /*copy=*/true);
        params += size_t(v->numel());
        return true;
    }
    bool get_optional_bias(const std::string& name, int64_t n, bool expected, torch::Tensor* out) {
        if (!expected) {
            if (ck.find(name)) {
                *error = ck.file_of(name) + ": unexpected tensor '" + name +
                         "' (config.json says this projection has no bias)";
                return false;
            }
            return true;
        }
        return get(name, {n}, out);
    }
};

} // namespace

bool load_weights(const Checkpoint& ck, const torch::Device& device, ModelWeights* out,
                  std::string* error) {
    try {
        const ModelConfig& c = ck.config();
        const int64_t D = c.hidden_size, Hd = c.num_heads * c.head_dim,
                      KVd = c.num_kv_heads * c.head_dim, F = c.intermediate_size;
        Loader ld{ck, device, error};
        ModelWeights w;
        if (!ld.get("model.embed_tokens.weight", {c.vocab_size, D}, &w.embed)) return false;
        if (!ld.get("model.norm.weight", {D}, &w.norm)) return false;
        w.layers.resize(size_t(c.num_layers));
        for (int64_t i = 0; i < c.num_layers; ++i) {
            LayerWeights& L = w.layers[size_t(i)];
            const std::string p = "model.layers." + std::to_string(i) + ".";
            const std::string a = p + "self_attn.", m = p + "mlp.";
            if (!ld.get(p + "input_layernorm.weight", {D}, &L.ln_in) ||
                !ld.get(p + "post_attention_layernorm.weight", {D}, &L.ln_post) ||
                !ld.get(a + "q_proj.weight", {Hd, D}, &L.wq) ||
                !ld.get(a + "k_proj.weight", {KVd, D}, &L.wk) ||
                !ld.get(a + "v_proj.weight", {KVd, D}, &L.wv) ||
                !ld.get(a + "o_proj.weight", {D, Hd}, &L.wo) ||
                !ld.get_optional_bias(a + "q_proj.bias", Hd, c.qkv_bias, &L.bq) ||
                !ld.get_optional_bias(a + "k_proj.bias", KVd, c.qkv_bias, &L.bk) ||
                !ld.get_optional_bias(a + "v_proj.bias", KVd, c.qkv_bias, &L.bv) ||
                !ld.get_optional_bias(a + "o_proj.bias", D, c.o_bias, &L.bo) ||
                !ld.get(m + "gate_proj.weight", {F, D}, &L.w_gate) ||
                !ld.get(m + "up_proj.weight", {F, D}, &L.w_up) ||
                !ld.get(m + "down_proj.weight", {D, F}, &L.w_down) ||
                !ld.get_optional_bias(m + "gate_proj.bias", F, c.mlp_bias, &L.b_gate) ||
                !ld.get_optional_bias(m + "up_proj.bias", F, c.mlp_bias, &L.b_up) ||
                !ld.get_optional_bias(m + "down_proj.bias", D, c.mlp_bias, &L.b_down))
                return false;
            L.w_qkv = torch::cat({L.wq, L.wk, L.wv}, 0);
            if (c.qkv_bias) L.b_qkv = torch::cat({L.bq, L.bk, L.bv}, 0);
            L.w_gate_up = torch::cat({L.w_gate, L.w_up}, 0);
            if (c.mlp_bias) L.b_gate_up = torch::cat({L.b_gate, L.b_up}, 0);
            // The stacked copies are what the forward uses; drop the separate ones.
            L.wq = L.wk = L.wv = L.w_gate = L.w_up = torch::Tensor();
        }
        w.parameter_count = ld.params;
        *out = std::move(w);
        return true;
    } catch (const std::exception& e) {
        *error = ck.dir() + ": loading weights failed: " + e.what();
        return false;
    }
}

bool load_lm_head(const Checkpoint& ck, const torch::Device& device, ModelWeights* out,
                  std::string* error) {
    if (out->lm_head.defined()) return true;
    const ModelConfig& c = ck.config();
    if (c.tie_word_embeddings) {
        out->lm_head = out->embed;
        return true;
    }
    if (!ck.find("lm_head.weight")) {
        *error = ck.dir() +
                 ": no tensor 'lm_head.weight' and config.json's tie_word_embeddings is not "
                 "true: this score needs the model's LM head";
        return false;
    }
    try {
        Loader ld{ck, device, error};
        return ld.get("lm_head.weight", {c.vocab_size, c.hidden_size}, &out->lm_head);
    } catch (const std::exception& e) {
        *error = ck.dir() + ": loading lm_head.weight failed: " + e.what();
        return false;
    }
}

} // namespace ladm
