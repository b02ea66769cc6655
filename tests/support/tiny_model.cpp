#include "tests/support/tiny_model.h"

#include <torch/torch.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>

namespace fs = std::filesystem;

namespace ladm::test {

namespace {

torch::ScalarType scalar_type(const std::string& dtype) {
    if (dtype == "F16") return torch::kFloat16;
    if (dtype == "BF16") return torch::kBFloat16;
    return torch::kFloat32;
}

// safetensors: 8-byte little-endian header length, then the JSON header.
void write_header(std::ofstream& out, const std::string& h) {
    const uint64_t len = h.size();
    unsigned char lb[8];
    for (int i = 0; i < 8; ++i)
        lb[i] = (len >> (8 * i)) & 0xff;
    out.write(reinterpret_cast<const char*>(lb), 8);
    out.write(h.data(), std::streamsize(h.size()));
}

int64_t head_dim_of(const TinyModelSpec& s) {
    return s.head_dim ? s.head_dim : s.hidden / s.heads;
}

// Deterministic weights in a fixed order; values are rounded through the on-disk dtype so
// the reference sees exactly what the file holds.
std::vector<std::pair<std::string, torch::Tensor>> make_weights(const TinyModelSpec& s) {
    torch::manual_seed(s.seed);
    const int64_t D = s.hidden, d = head_dim_of(s), Hd = s.heads * d, KVd = s.kv_heads * d,
                  F = s.intermediate;
    std::vector<std::pair<std::string, torch::Tensor>> w;
    auto randn = [](std::vector<int64_t> shape, double stdv) {
        return torch::randn(shape, torch::kFloat64) * stdv;
    };
    const bool qkv_bias = s.model_type == "qwen2" || s.attention_bias;
    const bool o_bias = s.model_type != "qwen2" && s.attention_bias;
    w.emplace_back("model.embed_tokens.weight", randn({s.vocab, D}, 1.0));
    for (int64_t i = 0; i < s.layers; ++i) {
        const std::string p = "model.layers." + std::to_string(i) + ".";
        const double qk = s.zero_attention ? 0.0 : s.qk_gain / std::sqrt(double(D));
        w.emplace_back(p + "input_layernorm.weight", 1.0 + randn({D}, 0.1));
        w.emplace_back(p + "self_attn.q_proj.weight", randn({Hd, D}, qk));
        w.emplace_back(p + "self_attn.k_proj.weight", randn({KVd, D}, qk));
        w.emplace_back(p + "self_attn.v_proj.weight", randn({KVd, D}, 1.0 / std::sqrt(double(D))));
        w.emplace_back(p + "self_attn.o_proj.weight", randn({D, Hd}, 1.0 / std::sqrt(double(Hd))));
        if (qkv_bias) {
            const double bs = s.zero_attention ? 0.0 : 0.1;
            w.emplace_back(p + "self_attn.q_proj.bias", randn({Hd}, bs));
            w.emplace_back(p + "self_attn.k_proj.bias", randn({KVd}, bs));
            w.emplace_back(p + "self_attn.v_proj.bias", randn({KVd}, 0.1));
        }
        if (o_bias) w.emplace_back(p + "self_attn.o_proj.bias", randn({D}, 0.1));
        w.emplace_back(p + "post_attention_layernorm.weight", 1.0 + randn({D}, 0.1));
        w.emplace_back(p + "mlp.gate_proj.weight", randn({F, D}, 1.0 / std::sqrt(double(D))));
        w.emplace_back(p + "mlp.up_proj.weight", randn({F, D}, 1.0 / std::sqrt(double(D))));
        w.emplace_back(p + "mlp.down_proj.weight", randn({D, F}, 1.0 / std::sqrt(double(F))));
    }
    w.emplace_back("model.norm.weight", 1.0 + randn({D}, 0.1));
    if (!s.tie_word_embeddings) w.emplace_back("lm_head.weight", randn({s.vocab, D}, 0.05));
    for (auto& [_, t] : w)
        t = t.to(scalar_type(s.dtype)).to(torch::kFloat64);
    return w;
}

std::string shape_json(const std::vector<int64_t>& shape) {
    nlohmann::json j = shape;
    return j.dump();
}

void write_tensors(const std::string& path,
                   const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                   const std::string& dtype) {
    nlohmann::json header = nlohmann::json::object();
    header["__metadata__"] = {{"format", "pt"}};
    std::vector<torch::Tensor> data;
    uint64_t off = 0;
    for (const auto& [name, t] : tensors) {
        auto c = t.to(scalar_type(dtype)).contiguous();
        const uint64_t n = uint64_t(c.numel()) * uint64_t(c.element_size());
        header[name] = {
            {"dtype", dtype}, {"shape", c.sizes().vec()}, {"data_offsets", {off, off + n}}};
        off += n;
        data.push_back(c);
    }
    std::string h = header.dump();
    while ((8 + h.size()) % 8)
        h.push_back(' ');
    std::ofstream out(path, std::ios::binary);
    write_header(out, h);
    for (const auto& c : data)
        out.write(static_cast<const char*>(c.data_ptr()),
                  std::streamsize(c.numel() * c.element_size()));
}

} // namespace

void write_safetensors(const std::string& path, const std::vector<RawTensor>& tensors) {
    nlohmann::json header = nlohmann::json::object();
    std::string blob;
    for (const auto& t : tensors) {
        auto ft = torch::from_blob(const_cast<float*>(t.values.data()), {int64_t(t.values.size())},
                                   torch::kFloat32);
        auto c = (t.dtype == "F32" || t.dtype == "F16" || t.dtype == "BF16")
                     ? ft.to(scalar_type(t.dtype)).contiguous()
                     : ft.to(torch::kFloat64).contiguous(); // any other dtype: 8-byte payload
        const size_t n = size_t(c.numel() * c.element_size());
        header[t.name] = {{"dtype", t.dtype},
                          {"shape", t.shape},
                          {"data_offsets", {blob.size(), blob.size() + n}}};
        blob.append(static_cast<const char*>(c.data_ptr()), n);
    }
    std::ofstream out(path, std::ios::binary);
    write_header(out, header.dump());
    out.write(blob.data(), std::streamsize(blob.size()));
}

std::string write_tiny_checkpoint(const std::string& dir, const TinyModelSpec& s) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return dir + ": " + ec.message();
    nlohmann::json cfg = {
        {"architectures", {s.model_type == "qwen2" ? "Qwen2ForCausalLM" : "LlamaForCausalLM"}},
        {"model_type", s.model_type},
        {"hidden_size", s.hidden},
        {"num_hidden_layers", s.layers},
        {"num_attention_heads", s.heads},
        {"num_key_value_heads", s.kv_heads},
        {"intermediate_size", s.intermediate},
        {"vocab_size", s.vocab},
        {"max_position_embeddings", s.max_position_embeddings},
        {"rms_norm_eps", 1e-5},
        {"rope_theta", s.rope_theta},
        {"rope_scaling", nlohmann::json::parse(s.rope_scaling_json)},
        {"tie_word_embeddings", s.tie_word_embeddings},
        {"attention_bias", s.attention_bias},
        {"hidden_act", "silu"},
        {"torch_dtype", "float32"},
        {"transformers_version", "4.44.0"},
        {"use_cache", true}, // keys the loader must ignore
        {"bos_token_id", 1},
    };
    if (s.head_dim) cfg["head_dim"] = s.head_dim;
    std::ofstream(fs::path(dir) / "config.json") << cfg.dump(2);

    auto w = make_weights(s);
    if (s.shards <= 1) {
        write_tensors((fs::path(dir) / "model.safetensors").string(), w, s.dtype);
        return {};
    }
    nlohmann::json index = {{"metadata", {{"total_size", 0}}},
                            {"weight_map", nlohmann::json::object()}};
    for (int k = 0; k < s.shards; ++k) {
        char name[64];
        std::snprintf(name, sizeof name, "model-%05d-of-%05d.safetensors", k + 1, s.shards);
        std::vector<std::pair<std::string, torch::Tensor>> part;
        for (size_t i = 0; i < w.size(); ++i)
            if (int(i % size_t(s.shards)) == k) {
                part.push_back(w[i]);
                index["weight_map"][w[i].first] = name;
            }
        write_tensors((fs::path(dir) / name).string(), part, s.dtype);
    }
    std::ofstream(fs::path(dir) / "model.safetensors.index.json") << index.dump(2);
    return {};
}

void write_byte_tokenizer(const std::string& dir) {
    nlohmann::json vocab = nlohmann::json::object();
    int n = 0;
    for (int b = 0; b < 256; ++b) {
        const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174);
        const uint32_t cp = printable ? uint32_t(b) : uint32_t(256 + n++);
        std::string s;
        if (cp < 0x80)
            s.push_back(char(cp));
        else {
            s.push_back(char(0xC0 | (cp >> 6)));
            s.push_back(char(0x80 | (cp & 0x3F)));
        }
        vocab[s] = b;
    }
    nlohmann::json tj = {
        {"version", "1.0"},
        {"added_tokens", nlohmann::json::array()},
        {"normalizer", nullptr},
        {"pre_tokenizer",
         {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", true}}},
        {"post_processor", nullptr},
        {"decoder", {{"type", "ByteLevel"}}},
        {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", nlohmann::json::array()}}}};
    std::ofstream(fs::path(dir) / "tokenizer.json") << tj.dump();
    std::ofstream(fs::path(dir) / "tokenizer_config.json")
        << R"({"tokenizer_class": "PreTrainedTokenizerFast"})";
}

std::string write_scoring_model(const std::string& dir) {
    TinyModelSpec s;
    s.vocab = 256;
    const std::string e = write_tiny_checkpoint(dir, s);
    if (e.empty()) write_byte_tokenizer(dir);
    return e;
}

std::vector<int32_t> random_ids(int64_t n, int64_t vocab, uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<int32_t> dist(0, int32_t(vocab - 1));
    std::vector<int32_t> ids(static_cast<size_t>(n));
    for (auto& id : ids)
        id = dist(rng);
    return ids;
}

// ---------------------------------------------------------------------------------------
// The naive reference. float64 everywhere except the RoPE angles, which transformers
// computes in float32 (inverse frequencies times positions); everything materialised.

namespace {

torch::Tensor ref_inv_freq(const TinyModelSpec& s, nlohmann::json rs, int64_t L) {
    const int64_t d = head_dim_of(s);
    std::string type = rs.is_object() ? rs.value("rope_type", rs.value("type", std::string())) : "";
    double base = s.rope_theta;
    if (type == "dynamic" && L > s.max_position_embeddings) {
        const double f = rs["factor"].get<double>();
        base = base * std::pow(f * double(L) / double(s.max_position_embeddings) - (f - 1),
                               double(d) / double(d - 2));
    }
    auto inv = 1.0 / torch::pow(base, torch::arange(0, d, 2, torch::kInt64).to(torch::kFloat32) /
                                          double(d));
    if (type == "linear") inv = inv / rs["factor"].get<double>();
    if (type == "llama3") {
        const double f = rs["factor"].get<double>(), lo = rs["low_freq_factor"].get<double>(),
                     hi = rs["high_freq_factor"].get<double>(),
                     old = rs["original_max_position_embeddings"].get<double>();
        auto inv_acc = inv.accessor<float, 1>();
        std::vector<float> out;
        for (int64_t i = 0; i < inv.size(0); ++i) {
            // One frequency at a time, as the transformers code reads (in fp32 tensors).
            auto fi = torch::full({1}, inv_acc[i], torch::kFloat32);
            auto wavelen = 2 * M_PI / fi;
            const float wl = wavelen.item<float>();
            torch::Tensor r;
            if (wl < old / hi)
                r = fi; // high frequency: unchanged
            else if (wl > old / lo)
                r = fi / f; // low frequency: divided
            else {
                auto smooth = (old / wavelen - lo) / (hi - lo);
                r = (1 - smooth) * fi / f + smooth * fi;
            }
            out.push_back(r.item<float>());
        }
        inv = torch::tensor(out, torch::kFloat32);
    }
    return inv;
}

torch::Tensor ref_rms(const torch::Tensor& x, const torch::Tensor& w) {
    return w * (x / torch::sqrt(x.pow(2).mean(-1, true) + 1e-5));
}

torch::Tensor ref_rope(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin) {
    // x: [L, H, d]
    const int64_t half = x.size(2) / 2;
    auto rot = torch::cat({-x.narrow(2, half, half), x.narrow(2, 0, half)}, 2);
    return x * cos.unsqueeze(1) + rot * sin.unsqueeze(1);
}

} // namespace

NaiveResult naive_reference(const TinyModelSpec& s, const std::vector<int32_t>& ids,
                            const LadmParams& p) {
    c10::InferenceMode guard;
    std::map<std::string, torch::Tensor> W;
    for (auto& [n, t] : make_weights(s))
        W[n] = t;
    const int64_t L = int64_t(ids.size()), H = s.heads, KV = s.kv_heads, d = head_dim_of(s);
    const int64_t G = H / KV;
    auto idt = torch::tensor(std::vector<int64_t>(ids.begin(), ids.end()), torch::kInt64);
    auto x = W["model.embed_tokens.weight"].index_select(0, idt);

    auto inv = ref_inv_freq(s, nlohmann::json::parse(s.rope_scaling_json), L);
    auto pos = torch::arange(L, torch::kInt64).to(torch::kFloat32);
    auto freqs = pos.unsqueeze(1) * inv.unsqueeze(0);
    auto emb = torch::cat({freqs, freqs}, 1);
    auto cos = emb.cos().to(torch::kFloat64), sin = emb.sin().to(torch::kFloat64);

    NaiveResult res;
    // Query spans, straight from the spec.
    const int64_t C = p.span, I = int64_t(p.span) * p.d_afs, S = int64_t(p.span) * p.d_cds, K0 = C;
    for (int64_t t = L - C; t > K0 + 4 * I; t -= S)
        res.span_starts.push_back(t);
    res.too_short = res.span_starts.empty();
    res.afs.assign(res.span_starts.size(), 0.0);

    auto bias = [&](const std::string& n) {
        return W.count(n) ? W[n] : torch::zeros({1}, torch::kFloat64);
    };
    for (int64_t l = 0; l < s.layers; ++l) {
        const std::string pre = "model.layers." + std::to_string(l) + ".";
        auto h = ref_rms(x, W[pre + "input_layernorm.weight"]);
        auto q =
            (h.matmul(W[pre + "self_attn.q_proj.weight"].t()) + bias(pre + "self_attn.q_proj.bias"))
                .view({L, H, d});
        auto k =
            (h.matmul(W[pre + "self_attn.k_proj.weight"].t()) + bias(pre + "self_attn.k_proj.bias"))
                .view({L, KV, d});
        auto v =
            (h.matmul(W[pre + "self_attn.v_proj.weight"].t()) + bias(pre + "self_attn.v_proj.bias"))
                .view({L, KV, d});
        q = ref_rope(q, cos, sin);
        k = ref_rope(k, cos, sin);
        auto kr = k.repeat_interleave(G, 1), vr = v.repeat_interleave(G, 1); // [L, H, d]
        auto qh = q.permute({1, 0, 2}), kh = kr.permute({1, 0, 2}), vh = vr.permute({1, 0, 2});
        auto scores = qh.matmul(kh.transpose(1, 2)) / std::sqrt(double(d)); // [H, L, L]
        auto mask = torch::ones({L, L}, torch::kBool).triu(1);
        scores = scores.masked_fill(mask, -std::numeric_limits<double>::infinity());
        auto probs = torch::softmax(scores, -1); // [H, L, L]
        if (l == 0) {
            const int64_t m = 3 * (L / 4);
            auto mask = torch::zeros({L, L}, torch::kFloat64);
            mask.narrow(0, L - m, m)
                .narrow(1, 0, m)
                .copy_(torch::ones({m, m}, torch::kFloat64).tril());
            for (int64_t hh = 0; hh < H; ++hh) {
                auto masked = probs[hh] * mask;
                res.longattn_uniformity += masked.var().item<double>() / double(H);
                res.longattn_proportion += masked.sum().item<double>() / double(L) / double(H);
            }
        }
        auto attn = probs.matmul(vh); // [H, L, d]
        auto o = attn.permute({1, 0, 2}).reshape({L, H * d});
        x = x + o.matmul(W[pre + "self_attn.o_proj.weight"].t()) +
            bias(pre + "self_attn.o_proj.bias");
        auto h2 = ref_rms(x, W[pre + "post_attention_layernorm.weight"]);
        auto g = h2.matmul(W[pre + "mlp.gate_proj.weight"].t());
        auto u = h2.matmul(W[pre + "mlp.up_proj.weight"].t());
        x = x + (torch::silu(g) * u).matmul(W[pre + "mlp.down_proj.weight"].t());

        if (res.too_short) continue;
        // LADM, literally: a fresh softmax over the keys before each query span.
        double layer_sum = 0;
        for (size_t si = 0; si < res.span_starts.size(); ++si) {
            const int64_t t = res.span_starts[si];
            auto a = torch::zeros({t}, torch::kFloat64);
            for (int64_t hh = 0; hh < H; ++hh) {
                auto logits = qh[hh].narrow(0, t, C).matmul(kh[hh].narrow(0, 0, t).t()) /
                              std::sqrt(double(d));
                a += torch::softmax(logits, 1).sum(0);
            }
            a = a / double(H);
            std::vector<double> pfs;
            for (int64_t kk = 1; t - kk * I >= K0; ++kk)
                pfs.push_back(a.narrow(0, t - kk * I, C).sum().item<double>());
            double mean = 0;
            for (double v2 : pfs)
                mean += v2;
            mean /= double(pfs.size());
            double ss = 0;
            for (double v2 : pfs)
                ss += (v2 - mean) * (v2 - mean);
            const double sigma = std::sqrt(ss / double(pfs.size() - 1));
            double sum = 0;
            for (size_t kk = 0; kk < pfs.size(); ++kk) {
                const double delta = double(int64_t(kk + 1) * I);
                sum += pfs[kk] * (p.ablation == Ablation::NoLenWeight ? 1.0 : delta / double(L));
            }
            double afs = sum;
            if (p.ablation != Ablation::NoLenWeight) afs *= double(t) / double(L);
            if (p.ablation != Ablation::NoStd) afs *= sigma;
            if (l == 0) res.pfs.push_back(pfs);
            res.afs[si] += afs / double(s.layers);
            layer_sum += afs;
        }
        res.cds_per_layer.push_back(layer_sum / double(res.span_starts.size()));
    }
    if (!res.too_short) {
        double c = 0;
        for (double v2 : res.cds_per_layer)
            c += v2;
        res.cds = c / double(res.cds_per_layer.size());
    }
    auto hid = ref_rms(x, W["model.norm.weight"]).contiguous();
    res.hidden.assign(hid.data_ptr<double>(), hid.data_ptr<double>() + hid.numel());
    auto head = s.tie_word_embeddings ? W["model.embed_tokens.weight"] : W["lm_head.weight"];
    auto logp = torch::log_softmax(hid.matmul(head.t()), 1); // [L, V]
    for (int64_t i = 0; i + 1 < L; ++i)
        res.next_logprob.push_back(logp[i][ids[size_t(i + 1)]].item<double>());
    return res;
}

} // namespace ladm::test
