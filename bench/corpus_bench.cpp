// ladm-corpus-bench: corpus reading / indexing throughput and cache writes.
//
//   ladm-corpus-bench [--mb N] [--json]
//
// Writes a synthetic corpus of N MB (default 256) of JSONL records (~12 KB texts, three
// domains) as .jsonl, .jsonl.gz and .jsonl.zst in a temporary folder, then measures:
// streaming read + parse + index (MB/s of uncompressed JSONL), opening one sample near the
// end by its stored location, and cache writes (samples + results with a 60 x 256 span
// matrix, one transaction each, as `ladm score` commits them).
#include "core/cache.h"
#include "core/corpus.h"
#include "core/jsonl_writer.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <random>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace ladm;
using clk = std::chrono::steady_clock;

static double secs(clk::time_point t0) {
    return std::chrono::duration<double>(clk::now() - t0).count();
}

int main(int argc, char** argv) {
    double mb = 256;
    bool as_json = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--mb" && i + 1 < argc)
            mb = std::stod(argv[++i]);
        else if (a == "--json")
            as_json = true;
        else {
            std::cerr << "usage: ladm-corpus-bench [--mb N] [--json]\n";
            return 64;
        }
    }
    const fs::path dir =
        fs::temp_directory_path() / ("ladm-corpus-bench-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    nlohmann::json report = {{"runs", nlohmann::json::array()}};

    // Synthetic records: words from a fixed list, so compression ratios are realistic-ish.
    const char* words[] = {"the",   "model",     "attention", "context", "long",      "document",
                           "token", "span",      "data",      "corpus",  "selection", "dependency",
                           "score", "retrieval", "layer",     "head",    "of",        "and"};
    std::mt19937_64 rng(7);
    std::vector<std::string> exts = {".jsonl", ".jsonl.gz", ".jsonl.zst"};
    std::vector<std::unique_ptr<JsonlWriter>> writers;
    std::string err;
    for (const auto& e : exts)
        writers.push_back(JsonlWriter::open((dir / ("corpus" + e)).string(), &err));
    uint64_t bytes = 0;
    int64_t n = 0;
    const auto tw = clk::now();
    while (double(bytes) < mb * 1e6) {
        std::string text;
        while (text.size() < 12000)
            text += std::string(words[rng() % 18]) + (rng() % 11 ? " " : ".\n");
        const std::string line =
            nlohmann::json{{"id", "s" + std::to_string(n)},
                           {"text", text},
                           {"meta", {{"pile_set_name", n % 3 ? "Books" : "ArXiv"}}}}
                .dump();
        for (auto& w : writers)
            w->write_line(line);
        bytes += line.size() + 1;
        ++n;
    }
    for (auto& w : writers)
        w->close();
    if (!as_json)
        std::printf("corpus: %lld records, %.1f MB uncompressed (written in %.1f s)\n",
                    (long long)n, bytes / 1e6, secs(tw));

    for (const auto& e : exts) {
        const std::string path = (dir / ("corpus" + e)).string();
        auto t0 = clk::now();
        auto r = CorpusReader::open({path}, CorpusOptions{}, &err);
        Sample s, last;
        int64_t count = 0;
        while (r->next(&s)) {
            ++count;
            if (count == n - 1) last = s;
        }
        const double read_s = secs(t0);
        t0 = clk::now();
        Sample back;
        CorpusReader::read_at(last.loc, CorpusOptions{}, &back, &err);
        const double open_s = secs(t0);
        const double file_mb = double(fs::file_size(path)) / 1e6;
        report["runs"].push_back({{"format", e},
                                  {"file_mb", file_mb},
                                  {"records", count},
                                  {"mb_per_s", bytes / 1e6 / read_s},
                                  {"open_last_sample_s", open_s}});
        if (!as_json)
            std::printf("%-10s %7.1f MB on disk  read+parse+index %7.1f MB/s  open sample %lld: "
                        "%.3f s (%.2f s per GB "
                        "of file)\n",
                        e.c_str(), file_mb, bytes / 1e6 / read_s, (long long)(n - 2), open_s,
                        open_s / (file_mb / 1000));
    }

    // Cache writes.
    auto cache = Cache::open((dir / "bench.db").string(), &err);
    FileInfo fi;
    stat_file((dir / "corpus.jsonl").string(), &fi, &err);
    int64_t fid = 0, inval = 0;
    cache->register_file(fi, &fid, &inval, &err);
    const int64_t run = cache->run_id("bench", "{}", "v", &err);
    StoredResult res;
    res.status = "ok";
    res.cds = 0.2;
    res.cds_layers.assign(22, 0.2f);
    res.afs.assign(60, 0.1f);
    res.span_starts.assign(60, 1000);
    res.windows = 256;
    res.span_mass.resize(60 * 256);
    for (auto& x : res.span_mass)
        x = float(rng() % 1000) / 1000.f;
    const int writes = 2000;
    const auto tc = clk::now();
    for (int i = 0; i < writes; ++i) {
        Sample s;
        s.id = "w" + std::to_string(i);
        s.domain = "Books";
        s.loc = {fi.path, i + 1, uint64_t(i) * 100, 100};
        const int64_t sid = cache->upsert_sample(fid, s, &err);
        cache->put_result(run, sid, res, &err);
    }
    const double cs = secs(tc);
    report["cache_writes_per_s"] = writes / cs;
    report["db_mb"] = double(fs::file_size(dir / "bench.db")) / 1e6;
    if (!as_json)
        std::printf("cache: %d samples + results (60 x 256 span matrix each) in %.2f s: %.0f "
                    "results/s, db %.1f MB\n",
                    writes, cs, writes / cs, report["db_mb"].get<double>());
    fs::remove_all(dir);
    if (as_json) std::cout << report.dump() << "\n";
    return 0;
}
