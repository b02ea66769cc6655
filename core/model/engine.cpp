// Engine: opening a checkpoint, device choice and the public entry points. The forward
// pass with the fused LADM capture lives in forward.cpp.
#include "core/model/engine.h"

#include "core/model/forward.h"
#include "core/model/lc_gain.h"
#include "core/model/model_weights.h"

#include <chrono>
#include <cmath>
#include <malloc.h>
#include <sstream>

namespace ladm {

EngineOptions default_engine_options() {
    return EngineOptions{};
}

const char* status_name(ScoreStatus s) {
    switch (s) {
    case ScoreStatus::Ok:
        return "ok";
    case ScoreStatus::TooShort:
        return "too_short";
    default:
        return "error";
    }
}

struct Engine::Impl {
    std::unique_ptr<Checkpoint> ck;
    ModelWeights weights;
    ModelInfo info;
    EngineOptions opts;
    torch::Device device{torch::kCPU};
};

Engine::Engine()
    : d(std::make_unique<Impl>()) {}
Engine::~Engine() = default;

const ModelInfo& Engine::info() const {
    return d->info;
}

// The forward allocates and frees tens of MB per row chunk. With glibc's defaults those
// pages go back to the kernel and are faulted in again (zeroed) every time: ~15% of the
// run time at 8K tokens. Keep freed memory in the heap instead. Training frees several GB
// per step, past the 1 GiB trim threshold (41 s instead of 10 s per 4,096-token step), so
// for it the heap never maps nor trims, at the price of a resident size at the high-water
// mark plus fragmentation.
void tune_allocator(bool never_release) {
    static bool done = false;
    if (!done) {
        done = true;
        mallopt(M_MMAP_THRESHOLD, 1 << 30); // fixed (no dynamic threshold); only >= 1 GiB mmapped
        mallopt(M_TRIM_THRESHOLD, 1 << 30);
        mallopt(M_TOP_PAD, 64 << 20);
    }
    if (never_release) {
        mallopt(M_MMAP_MAX, 0);
        mallopt(M_TRIM_THRESHOLD, -1);
    }
}

namespace {
std::string torch_message(const std::exception& e) {
    if (auto* ce = dynamic_cast<const c10::Error*>(&e)) return ce->what_without_backtrace();
    return e.what();
}

bool pick_device(const std::string& want, torch::Device* out, std::string* error) {
    try {
        if (want == "auto" || want.empty()) {
            *out = torch::cuda::is_available() ? torch::Device(torch::kCUDA, 0)
                                               : torch::Device(torch::kCPU);
            return true;
        }
        torch::Device dev(want);
        if (dev.is_cuda() && !torch::cuda::is_available()) {
            *error = "device '" + want +
                     "' requested but this libtorch build has no CUDA or "
                     "no GPU is visible";
            return false;
        }
        if (!dev.is_cpu() && !dev.is_cuda()) {
            *error = "device '" + want + "' is not supported (use auto, cpu or cuda[:N])";
            return false;
        }
        *out = dev;
        return true;
    } catch (const std::exception& e) {
        *error = "bad device '" + want + "': " + torch_message(e);
        return false;
    }
}
} // namespace

std::unique_ptr<Engine> Engine::open(const std::string& dir, const EngineOptions& opts,
                                     std::string* error) {
    try {
        if (!(opts.query_scale > 0) || !std::isfinite(opts.query_scale)) { // before loading
            *error = dir + ": query scale must be a positive number (got " +
                     std::to_string(opts.query_scale) + ")";
            return nullptr;
        }
        c10::InferenceMode guard;
        std::unique_ptr<Engine> e(new Engine);
        e->d->opts = opts;
        if (!pick_device(opts.device, &e->d->device, error)) return nullptr;
        if (opts.threads > 0) torch::set_num_threads(opts.threads);
        tune_allocator();
        e->d->ck = Checkpoint::open(dir, error);
        if (!e->d->ck) return nullptr;
        if (!load_weights(*e->d->ck, e->d->device, &e->d->weights, error)) return nullptr;
        if (opts.query_scale != 1.0) {
            const int64_t q_rows = e->d->ck->config().num_heads *
                                   e->d->ck->config().head_dim; // q's rows of the stacked qkv
            for (auto& L : e->d->weights.layers) {
                L.w_qkv.narrow(0, 0, q_rows).mul_(opts.query_scale);
                if (L.b_qkv.defined()) L.b_qkv.narrow(0, 0, q_rows).mul_(opts.query_scale);
            }
        }

        ModelInfo& info = e->d->info;
        info.config = e->d->ck->config();
        info.dir = dir;
        info.fingerprint = e->d->ck->fingerprint();
        if (opts.query_scale != 1.0) {
            std::ostringstream s;
            s.precision(17);
            s << opts.query_scale;
            info.fingerprint += "+query_scale=" + s.str();
        }
        info.device = e->d->device.str();
        info.threads = torch::get_num_threads();
        info.weight_bytes = e->d->ck->weight_bytes();
        info.parameter_count = e->d->weights.parameter_count;
        if (e->d->device.is_cpu()) info.warnings = blas_warnings();
        if (info.config.sliding_window > 0)
            info.warnings.push_back(
                "config.json sets sliding_window = " + std::to_string(info.config.sliding_window) +
                "; LADM Studio attends over the full context (as the LADM reference's "
                "span attention does), so hidden states of longer inputs differ from a "
                "sliding-window forward");
        if (const int64_t in_files = e->d->ck->layers_in_files(); in_files > info.config.num_layers)
            info.warnings.push_back(
                "config.json sets num_hidden_layers = " + std::to_string(info.config.num_layers) +
                " but the weights hold " + std::to_string(in_files) + " layers; layers " +
                std::to_string(info.config.num_layers) + "-" + std::to_string(in_files - 1) +
                " are not used");
        return e;
    } catch (const std::exception& ex) {
        *error = dir + ": " + torch_message(ex);
        return nullptr;
    }
}

namespace {
bool check_ids(const std::vector<int32_t>& ids, int64_t vocab, std::string* error) {
    for (size_t i = 0; i < ids.size(); ++i) {
        if (ids[i] < 0 || ids[i] >= vocab) {
            *error = "token id " + std::to_string(ids[i]) + " at position " + std::to_string(i) +
                     " is outside the model's vocabulary (vocab_size " + std::to_string(vocab) +
                     ")";
            return false;
        }
    }
    return true;
}
} // namespace

ScoreResult Engine::score(const std::vector<int32_t>& ids_in, const LadmParams& params,
                          const ScoreOptions& opts) {
    const auto t0 = std::chrono::steady_clock::now();
    ScoreResult r;
    r.original_tokens = int64_t(ids_in.size());
    auto finish = [&](ScoreResult& res) -> ScoreResult {
        res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        return std::move(res);
    };
    if (std::string err = validate(params); !err.empty()) {
        r.error = "bad LADM parameters: " + err;
        return finish(r);
    }
    const int64_t L = std::min<int64_t>(int64_t(ids_in.size()), params.max_len);
    r.tokens = L;
    try {
        std::vector<int32_t> ids(ids_in.begin(), ids_in.begin() + L);
        if (!check_ids(ids, d->info.config.vocab_size, &r.error)) return finish(r);
        if (!opts.cds && !opts.longattn && !opts.lcgain) {
            r.error = "no model score asked for";
            return finish(r);
        }
        if (!prepare(opts, &r.error)) return finish(r);
        // Too short for LADM's spans when CDS is asked for; LongAttn needs 3 * (L / 4) > 0;
        // LC gain needs a token after its window (with the others, it is left out alone).
        const bool lcgain = opts.lcgain && L > opts.lcgain_params.window;
        if (opts.cds ? query_span_starts(L, params).empty() : opts.longattn ? L < 4 : !lcgain) {
            r.status = ScoreStatus::TooShort;
            return finish(r);
        }
        c10::InferenceMode guard;
        ForwardRequest req;
        req.params = opts.cds ? &params : nullptr;
        req.longattn = opts.longattn;
        req.want_hidden = lcgain;
        req.keep_layer_matrices = opts.keep_layer_matrices;
        req.progress = opts.progress;
        ForwardRunner runner(d->info.config, d->weights, d->device, d->opts);
        torch::Tensor hidden;
        auto cancelled = [&] {
            r.status = ScoreStatus::Error;
            if (r.error.empty()) r.error = "cancelled";
            return finish(r);
        };
        if (!runner.run(ids, req, &r, lcgain ? &hidden : nullptr)) return cancelled();
        if (lcgain && !lc_gain(runner, d->weights.lm_head, ids, hidden, opts.lcgain_params,
                               d->opts.attention_budget_bytes, opts.progress, &r))
            return cancelled();
        // A score that is not a number is a failure with its reason, never "ok": NaN or
        // infinite weights, or a config that makes the attention overflow.
        bool finite = std::isfinite(r.cds);
        for (double c : r.cds_per_layer)
            finite = finite && std::isfinite(c);
        if (opts.longattn)
            finite = finite && std::isfinite(r.longattn_proportion) &&
                     std::isfinite(r.longattn_uniformity);
        if (lcgain) finite = finite && std::isfinite(r.lcgain);
        if (!finite) {
            r.status = ScoreStatus::Error;
            r.error =
                "the score is not finite (CDS " + std::to_string(r.cds) +
                (opts.longattn ? ", LongAttn proportion " + std::to_string(r.longattn_proportion)
                               : std::string()) +
                (lcgain ? ", LC gain " + std::to_string(r.lcgain) : std::string()) +
                "): the model produced NaN or infinite values; check the "
                "checkpoint's weights and config.json";
            return finish(r);
        }
        r.status = ScoreStatus::Ok;
    } catch (const std::bad_alloc&) {
        r.status = ScoreStatus::Error;
        r.error = "out of memory scoring " + std::to_string(L) + " tokens";
    } catch (const std::exception& e) {
        r.status = ScoreStatus::Error;
        r.error = "scoring failed: " + torch_message(e);
    }
    return finish(r);
}

bool Engine::prepare(const ScoreOptions& opts, std::string* error) {
    if (!opts.lcgain) return true;
    if (std::string err = validate(opts.lcgain_params); !err.empty()) {
        *error = err;
        return false;
    }
    c10::InferenceMode guard;
    return load_lm_head(*d->ck, d->device, &d->weights, error);
}

bool Engine::hidden_states(const std::vector<int32_t>& ids, std::vector<float>* out,
                           std::string* error) {
    if (ids.empty()) {
        *error = "empty token sequence";
        return false;
    }
    if (!check_ids(ids, d->info.config.vocab_size, error)) return false;
    try {
        c10::InferenceMode guard;
        ForwardRequest req;
        req.want_hidden = true;
        ForwardRunner runner(d->info.config, d->weights, d->device, d->opts);
        torch::Tensor h;
        ScoreResult unused;
        runner.run(ids, req, &unused, &h);
        h = h.to(torch::kCPU).contiguous();
        out->assign(h.data_ptr<float>(), h.data_ptr<float>() + h.numel());
        return true;
    } catch (const std::exception& e) {
        *error = "forward failed: " + torch_message(e);
        return false;
    }
}

double Engine::forward_flops(int64_t L) const {
    return scoring_flops(d->info.config, L);
}

double Engine::score_flops(int64_t L, const LadmParams& params, const ScoreOptions& opts) const {
    const ModelConfig& c = d->info.config;
    L = std::min<int64_t>(L, params.max_len);
    const LcGainParams& g = opts.lcgain_params;
    const bool lcgain = opts.lcgain && L > g.window;
    if (!lcgain) {
        if (opts.cds) return scoring_flops(c, L, params);
        return opts.longattn ? full_forward_flops(c, L) / double(c.num_layers) : 0.0;
    }
    double f = full_forward_flops(c, L);
    if (opts.cds) // the last layer's span logits, beside its full attention
        for (int64_t t : query_span_starts(L, params))
            f += 2.0 * double(c.num_heads) * double(params.span) * double(t) * double(c.head_dim);
    for (int64_t start = 0; start < L - g.window; start += g.stride)
        f += full_forward_flops(c, std::min(L, start + g.window + g.stride) - start);
    // the LM head on each scored token, once with each context
    f += 2.0 * 2.0 * double(L - g.window) * double(c.hidden_size) * double(c.vocab_size);
    return f;
}

} // namespace ladm
