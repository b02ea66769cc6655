// ladm-corpus-bench: corpus reading / indexing throughput and cache writes.
//
//   ladm-corpus-bench [--mb N] [--json]
//
// Writes a synthetic corpus of N MB (default 256) of JSONL records (~12 KB texts, three
// domains) as .jsonl, .jsonl.gz and .jsonl.zst in a temporary folder, then measures:
// streaming read + parse + index (MB/s of uncompressed JSONL), opening one sample near the
// end by its stored location — from the file's start and from the access points recorded
// while reading (gzip: deflate blocks with a 32 KiB window; zstd: frame starts; a
// single-frame .zst as the zstd CLI writes has none) — and cache writes (samples + results with a
// 60 x 256 span matrix, one transaction each, as `ladm score` commits them).
#include "core/corpus/corpus.h"
#include "core/corpus/jsonl_writer.h"
#include "core/jobs/score_job.h"
#include "core/store/cache.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <random>
#include <unistd.h>
#include <zstd.h>

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
    // the same data as one zstd frame, as `zstd` writes it (no place to enter but the start)
    {
        FILE* in = std::fopen((dir / "corpus.jsonl").string().c_str(), "rb");
        FILE* out = std::fopen((dir / "corpus.single.jsonl.zst").string().c_str(), "wb");
        ZSTD_CCtx* cc = ZSTD_createCCtx();
        ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, 3);
        std::vector<char> ib(1 << 20), ob(ZSTD_CStreamOutSize());
        for (;;) {
            const size_t got = std::fread(ib.data(), 1, ib.size(), in);
            const ZSTD_EndDirective mode = got < ib.size() ? ZSTD_e_end : ZSTD_e_continue;
            ZSTD_inBuffer zi{ib.data(), got, 0};
            size_t left = 0;
            do {
                ZSTD_outBuffer zo{ob.data(), ob.size(), 0};
                left = ZSTD_compressStream2(cc, &zo, &zi, mode);
                std::fwrite(ob.data(), 1, zo.pos, out);
            } while (mode == ZSTD_e_end ? left > 0 : zi.pos < zi.size);
            if (mode == ZSTD_e_end) break;
        }
        ZSTD_freeCCtx(cc);
        std::fclose(in);
        std::fclose(out);
        exts.push_back(".single.jsonl.zst");
    }
    if (!as_json)
        std::printf("corpus: %lld records, %.1f MB uncompressed (written in %.1f s)\n",
                    (long long)n, bytes / 1e6, secs(tw));

    for (const auto& e : exts) {
        const std::string path = (dir / ("corpus" + e)).string();
        auto t0 = clk::now();
        auto r = CorpusReader::open({path}, CorpusOptions{}, &err);
        std::vector<AccessPoint> points;
        r->index_spacing = kAccessPointSpacing;
        r->on_file_indexed = [&](const std::string&, const std::vector<AccessPoint>& p) {
            points = p;
        };
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
        t0 = clk::now();
        Sample indexed;
        CorpusReader::read_at(last.loc, CorpusOptions{}, &indexed, &err, &points);
        const double open_indexed_s = secs(t0);
        if (indexed.text != back.text || back.text != last.text) {
            std::fprintf(stderr, "%s: sample read back differs\n", e.c_str());
            return 1;
        }
        size_t window_bytes = 0;
        for (const auto& p : points)
            window_bytes += p.window.size();
        const double file_mb = double(fs::file_size(path)) / 1e6;
        report["runs"].push_back({{"format", e},
                                  {"file_mb", file_mb},
                                  {"records", count},
                                  {"mb_per_s", bytes / 1e6 / read_s},
                                  {"open_last_sample_from_start_s", open_s},
                                  {"open_last_sample_indexed_s", open_indexed_s},
                                  {"access_points", points.size()},
                                  {"window_bytes", window_bytes}});
        if (!as_json)
            std::printf("%-18s %7.1f MB on disk  read+parse+index %6.1f MB/s  open sample %lld: "
                        "%.3f s from the start (%.2f s per GB of file), %.3f s from %zu access "
                        "points (%.1f MB of windows before compression)\n",
                        e.c_str(), file_mb, bytes / 1e6 / read_s, (long long)(n - 2), open_s,
                        open_s / (file_mb / 1000), open_indexed_s, points.size(),
                        window_bytes / 1e6);
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
