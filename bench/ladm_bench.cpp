// ladm-bench: how fast and how lean the scoring engine is on this machine.
//
//   ladm-bench [--json] [--contexts 2048,4096,...] [--models tinyllama-shape,default]
//              [--threads N] [--no-naive] [--device cpu|cuda|cuda:N]
//
// Measures the fp32 GEMM rate first, then for every (model, L): tokens/s, achieved
// GFLOP/s (FLOPs counted analytically for the work a scoring forward must do), peak RSS,
// and the same score computed the naive way (materialised L x L attention per layer plus a
// separate span-attention pass, as the authors' pipeline does) while it fits in memory.
// Every measurement runs in a fresh child process so peak RSS is its own.
#include "bench/bench_common.h"
#include "bench/naive_scorer.h"
#include "core/model/engine.h"
#include "core/model/forward.h"
#ifdef LADM_BENCH_LEXICAL
#include "core/text/lexical.h"
#endif

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <sstream>

namespace fs = std::filesystem;
using namespace ladm;
using nlohmann::json;

namespace {

double gemm_gflops() {
    c10::InferenceMode guard;
    const int64_t n = 2048;
    auto a = torch::randn({n, n}), b = torch::randn({n, n}), c = torch::empty({n, n});
    torch::mm_out(c, a, b); // warm-up
    double best = 0;
    for (int rep = 0; rep < 5; ++rep) {
        auto t0 = std::chrono::steady_clock::now();
        torch::mm_out(c, a, b);
        const double s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        best = std::max(best, 2.0 * n * n * n / s / 1e9);
    }
    return best;
}

// Child: score one random sequence of L tokens with the engine (or the naive path) and
// print one JSON line.
// mode: engine (CDS), naive, or a scorer set: cds, longattn, lcgain, cds+longattn+lcgain
// (LC gain with a window of L/2 tokens and LongPPL's stride of 1024).
int run_child(const std::string& dir, int64_t L, const std::string& mode, int threads,
              int64_t budget_mb, const std::string& device) {
    const bool naive = mode == "naive";
    EngineOptions o;
    o.device = device;
    o.threads = threads;
    if (budget_mb > 0) o.attention_budget_bytes = budget_mb << 20;
    std::string err;
    auto engine = Engine::open(dir, o, &err);
    if (!engine) {
        std::cerr << err << "\n";
        return 2;
    }
    const double rss_loaded = bench::current_rss_mb();
    const auto& cfg = engine->info().config;
    std::vector<int32_t> ids(static_cast<size_t>(L));
    uint64_t x = 88172645463325252ull;
    for (auto& id : ids) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        id = int32_t(x % uint64_t(cfg.vocab_size));
    }
    LadmParams p;
    p.max_len = int(L);
    // With the defaults a sample needs more than 2304 tokens; shorter benchmark contexts
    // use C = 64 (same d_afs, d_cds) so that the forward still runs with its span capture.
    if (query_span_starts(L, p).empty()) p.span = 64;
    json out;
    out["span"] = p.span;
    out["rss_loaded_mb"] = rss_loaded;
    auto t0 = std::chrono::steady_clock::now();
    if (naive) {
        double cds = 0;
        if (!bench::naive_score(dir, ids, p, &cds, &err)) {
            std::cerr << err << "\n";
            return 3;
        }
        out["cds"] = cds;
    } else {
        ScoreOptions so;
        const std::string m = "+" + mode + "+";
        so.cds = mode == "engine" || m.find("+cds+") != std::string::npos;
        so.longattn = m.find("+longattn+") != std::string::npos;
        so.lcgain = m.find("+lcgain+") != std::string::npos;
        so.lcgain_params.window = L / 2;
        auto r = engine->score(ids, p, so);
        if (r.status != ScoreStatus::Ok) {
            std::cerr << r.error << "\n";
            return 3;
        }
        out["cds"] = r.cds;
        out["flops"] = mode == "engine" ? engine->forward_flops(L) : engine->score_flops(L, p, so);
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    out["seconds"] = s;
    out["peak_rss_mb"] = bench::peak_rss_mb();
    if (naive) out["flops"] = engine->forward_flops(L);
    std::cout << out.dump() << std::endl;
    return 0;
}

#ifdef LADM_BENCH_LEXICAL
// Lexical on text: words of a synthetic document of ~4 characters per token (a vocabulary
// of 5,000 words, Zipf-like draws), document frequencies over 64 such documents.
double lexical_seconds(int64_t L, int64_t* chars) {
    std::vector<std::string> vocab;
    for (int i = 0; i < 5000; ++i)
        vocab.push_back("w" + std::to_string(i * 7919 % 100000));
    uint64_t x = 88172645463325252ull;
    auto doc = [&](int64_t n_chars) {
        std::string t;
        while (int64_t(t.size()) < n_chars) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            const double u = double(x % 1000000) / 1e6;
            t += vocab[size_t(std::pow(u, 3.0) * double(vocab.size() - 1))];
            t += (x >> 20) % 9 ? " " : ".\n";
        }
        return t;
    };
    DocumentFrequencies df;
    for (int d = 0; d < 64; ++d)
        df.add(words_of(doc(4 * L)));
    const std::string text = doc(4 * L);
    *chars = int64_t(text.size());
    const auto t0 = std::chrono::steady_clock::now();
    volatile double v = lexical_dependency(words_of(text), df, 3000);
    (void)v;
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
#endif

json scorer_rows(const char* self, const std::vector<std::string>& models, const fs::path& tmp,
                 int threads, int64_t budget_mb, const std::string& device, double gemm,
                 bool as_json) {
    json rows = json::array();
    if (!as_json)
        std::printf("\nscorers (one sequence, the fastest of 3 fresh processes)\n%-16s %6s %-19s "
                    "%10s %8s %7s "
                    "%9s\n",
                    "model", "L", "scorer", "tok/s", "GFLOP/s", "%GEMM", "seconds");
    for (const auto& model : models) {
        std::string err;
        const std::string dir = bench::prepare_model(model, tmp, &err);
        if (dir.empty()) {
            std::cerr << err << "\n";
            continue;
        }
        for (int64_t L : {int64_t(4096), int64_t(8192)}) {
            std::map<std::string, double> secs;
            const std::vector<std::string> alone = {"cds", "longattn", "lcgain"};
            const std::string together = "cds+longattn+lcgain";
            for (const std::string& mode : {alone[0], alone[1], alone[2], together}) {
                json child; // the fastest of 3 fresh processes: the ratios are then stable
                for (int rep = 0; rep < 3; ++rep) {
                    json c = bench::run_self(self,
                                             {"--child", dir, std::to_string(L), mode,
                                              std::to_string(threads), std::to_string(budget_mb),
                                              device},
                                             &err);
                    if (!c.is_null() && (child.is_null() || c["seconds"].get<double>() <
                                                                child["seconds"].get<double>()))
                        child = c;
                }
                if (child.is_null()) {
                    std::cerr << model << " L=" << L << " " << mode << ": " << err << "\n";
                    continue;
                }
                const double s = child["seconds"].get<double>();
                secs[mode] = s;
                const double gf = child["flops"].get<double>() / s / 1e9;
                rows.push_back({{"model", model},
                                {"L", L},
                                {"scorer", mode},
                                {"tokens_per_s", double(L) / s},
                                {"gflops", gf},
                                {"seconds", s}});
                if (!as_json)
                    std::printf("%-16s %6lld %-19s %10.0f %8.1f %6.0f%% %9.2f\n", model.c_str(),
                                (long long)L, mode.c_str(), double(L) / s, gf, 100 * gf / gemm, s);
            }
            const double apart = secs["cds"] + secs["longattn"] + secs["lcgain"];
            if (secs.size() == 4 && !as_json)
                std::printf("%-16s %6lld %s in one run: %.2fx the time of the three run "
                            "separately (%.2f s vs %.2f s)\n",
                            model.c_str(), (long long)L, together.c_str(), secs[together] / apart,
                            secs[together], apart);
        }
    }
#ifdef LADM_BENCH_LEXICAL
    for (int64_t L : {int64_t(4096), int64_t(8192)}) {
        int64_t chars = 0;
        const double s = lexical_seconds(L, &chars);
        rows.push_back({{"model", "none"},
                        {"L", L},
                        {"scorer", "lexical"},
                        {"chars_per_s", double(chars) / s},
                        {"seconds", s}});
        if (!as_json)
            std::printf("%-16s %6lld %-19s %10.0f %8s %7s %9.4f   (%.0f characters/s; no model)\n",
                        "none", (long long)L, "lexical", double(L) / s, "-", "-", s,
                        double(chars) / s);
    }
#endif
    return rows;
}

} // namespace

int main(int argc, char** argv) {
    std::vector<int64_t> contexts = {2048, 4096, 8192, 16384, 32768};
    std::vector<std::string> models = {"tinyllama-shape", "default"};
    bool as_json = false, with_naive = true, with_scorers = false;
    int threads = 0;
    int64_t budget_mb = 0;
    std::string device = "cpu";
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::cerr << a << " needs a value\n";
                std::exit(64);
            }
            return argv[++i];
        };
        if (a == "--child") {
            const std::string dir = next();
            const int64_t L = std::stoll(next());
            const std::string mode = next();
            const int th = std::stoi(next());
            const int64_t mb = std::stoll(next());
            return run_child(dir, L, mode, th, mb, next());
        } else if (a == "--json")
            as_json = true;
        else if (a == "--no-naive")
            with_naive = false;
        else if (a == "--scorers")
            with_scorers = true;
        else if (a == "--contexts")
            contexts = bench::parse_int_list(next());
        else if (a == "--models")
            models = bench::split(next(), ',');
        else if (a == "--threads")
            threads = std::stoi(next());
        else if (a == "--budget-mb")
            budget_mb = std::stoll(next());
        else if (a == "--device")
            device = next();
        else if (a == "--help" || a == "-h") {
            std::cout
                << "usage: ladm-bench [--json] [--contexts 2048,4096] "
                   "[--models tinyllama-shape,default] [--threads N] [--no-naive]\n"
                   "                  [--budget-mb N: attention logits per step] "
                   "[--device cpu|cuda|cuda:N]\n"
                   "                  [--scorers: per scorer (cds, longattn, lcgain, all in one "
                   "run, lexical) at 4K and 8K]\n";
            return 0;
        } else {
            std::cerr << "unknown option " << a << " (see --help)\n";
            return 64;
        }
    }
    if (threads > 0) torch::set_num_threads(threads);
    for (const auto& w : blas_warnings())
        std::cerr << "warning: " << w << "\n";

    json report;
    report["gemm_gflops"] = gemm_gflops();
    report["threads"] = torch::get_num_threads();
    report["runs"] = json::array();
    if (!as_json)
        std::printf("fp32 GEMM (2048^3): %.1f GFLOP/s, %d threads\n\n%-16s %6s %10s %8s %7s %9s "
                    "%10s %8s %7s\n",
                    report["gemm_gflops"].get<double>(), torch::get_num_threads(), "model", "L",
                    "tok/s", "GFLOP/s", "%GEMM", "peak MB", "naive tok/s", "ratio", "seconds");

    const fs::path tmp = fs::temp_directory_path() / ("ladm-bench-" + std::to_string(::getpid()));
    for (const auto& model : models) {
        std::string err;
        const std::string dir = bench::prepare_model(model, tmp, &err);
        if (dir.empty()) {
            std::cerr << err << "\n";
            return 2;
        }
        bool naive_fits = with_naive;
        for (int64_t L : contexts) {
            json run = {{"model", model}, {"L", L}};
            json child =
                bench::run_self(argv[0],
                                {"--child", dir, std::to_string(L), "engine",
                                 std::to_string(threads), std::to_string(budget_mb), device},
                                &err);
            if (child.is_null()) {
                std::cerr << model << " L=" << L << ": " << err << "\n";
                continue;
            }
            const double s = child["seconds"].get<double>();
            run["tokens_per_s"] = double(L) / s;
            run["gflops"] = child["flops"].get<double>() / s / 1e9;
            run["peak_rss_mb"] = child["peak_rss_mb"];
            run["rss_after_load_mb"] = child["rss_loaded_mb"];
            run["seconds"] = s;
            run["cds"] = child["cds"];
            run["span"] = child["span"];
            run["naive_tokens_per_s"] = nullptr;
            naive_fits = naive_fits && bench::naive_fits(dir, L);
            if (naive_fits) {
                json nchild =
                    bench::run_self(argv[0],
                                    {"--child", dir, std::to_string(L), "naive",
                                     std::to_string(threads), std::to_string(budget_mb), device},
                                    &err);
                if (!nchild.is_null()) {
                    run["naive_tokens_per_s"] = double(L) / nchild["seconds"].get<double>();
                    run["naive_peak_rss_mb"] = nchild["peak_rss_mb"];
                    run["naive_cds"] = nchild["cds"];
                } else {
                    std::cerr << model << " L=" << L << " naive: " << err << "\n";
                    naive_fits = false;
                }
            }
            if (!as_json) {
                const double gf = run["gflops"].get<double>();
                const bool has_naive = !run["naive_tokens_per_s"].is_null();
                std::printf(
                    "%-16s %6lld %10.0f %8.1f %6.0f%% %9.0f %10s %8s %7.1f\n", model.c_str(),
                    (long long)L, run["tokens_per_s"].get<double>(), gf,
                    100 * gf / report["gemm_gflops"].get<double>(),
                    run["peak_rss_mb"].get<double>(),
                    has_naive ? std::to_string(int(run["naive_tokens_per_s"].get<double>())).c_str()
                              : "-",
                    has_naive ? (std::to_string(run["tokens_per_s"].get<double>() /
                                                run["naive_tokens_per_s"].get<double>())
                                     .substr(0, 5) +
                                 "x")
                                    .c_str()
                              : "-",
                    s);
                std::fflush(stdout);
            }
            report["runs"].push_back(run);
        }
    }
    if (with_scorers) {
        report["scorers"] = scorer_rows(argv[0], models, tmp, threads, budget_mb, device,
                                        report["gemm_gflops"].get<double>(), as_json);
    }
    std::error_code ec;
    fs::remove_all(tmp, ec);
    if (as_json) std::cout << report.dump() << std::endl;
    return 0;
}
