// ladm show ID --cache DB [--model DIR]
#include "app/cache_access.h"
#include "app/commands.h"
#include "cli/args.h"
#include "core/curate/inspection.h"
#include "core/store/run_params.h"
#include "core/text/tokenizer.h"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace ladm::cli {

namespace {
const char* kHelp = R"(usage: ladm show ID --cache DB [--model DIR] [--run N] [--top K]

Prints one sample's score, the AFS of each query span and its strongest distant
dependencies (query span -> earlier window, attention mass, distance). With --model
(the calculator folder) the spans are shown as text snippets.
)";

std::string snippet(const std::string& s, size_t max = 70) {
    std::string out;
    for (char c : s)
        out += (c == '\n' || c == '\t' || c == '\r') ? ' ' : c;
    if (out.size() > max) {
        size_t cut = max;
        while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80)
            --cut;
        out = out.substr(0, cut) + "...";
    }
    return out;
}
} // namespace

int cmd_show(const std::vector<std::string>& argv) {
    Args a(argv, {"help"}, {"cache", "model", "run", "top"});
    if (a.flag("help")) {
        std::cout << kHelp;
        return kOk;
    }
    if (!a.ok() || !a.get("cache") || a.positional().size() != 1) {
        std::cerr << "ladm show: " << (a.ok() ? "ID and --cache DB are required" : a.error())
                  << "\n";
        return kUsage;
    }
    int64_t run = 0;
    auto cache = open_cache_run("show", *a.get("cache"), a.get("run"), &run);
    if (!cache) return kFailure;
    const std::string id = a.positional()[0];
    auto row = cache->find_sample(run, id);
    if (!row) {
        std::cerr << "ladm show: no sample '" << id << "' in run " << run << "\n";
        return kFailure;
    }
    auto res = cache->result(run, row->sample_id);
    std::printf("%s  domain %s  %s:%lld\nstatus %s  tokens %lld (scored %lld)", id.c_str(),
                row->domain.c_str(), row->loc.file.c_str(), (long long)row->loc.line,
                res->status.c_str(), (long long)res->tokens, (long long)res->tokens_scored);
    if (res->status == "ok") std::printf("  CDS %.6f", res->cds);
    if (!res->error.empty()) std::printf("  error: %s", res->error.c_str());
    std::printf("\n");
    if (res->status != "ok") return kOk;

    // Text of token ranges, when the tokenizer is at hand.
    std::unique_ptr<Tokenizer> tok;
    Encoding enc;
    if (auto m = a.get("model")) {
        std::string err;
        tok = Tokenizer::from_dir(*m, &err);
        Sample s;
        const auto points = cache->access_points(row->loc.file);
        if (!tok || !CorpusReader::read_at(row->loc, CorpusOptions{}, &s, &err, &points)) {
            std::cerr << "ladm show: " << err << " (showing positions only)\n";
            tok.reset();
        } else if (!s.pretokenized) {
            enc = tok->encode(s.text, true);
        } else {
            tok.reset();
        }
    }
    auto text_of = [&](int64_t b, int64_t e) -> std::string {
        if (!tok || enc.ids.empty()) return {};
        const std::string t = token_range_text(enc, b, e);
        return t.empty() ? t : "  \"" + snippet(t) + "\"";
    };

    const StoredWindows grid{res->tokens_scored, res->windows, run_params(*cache, run).span};
    const int64_t C = grid.span;
    std::printf("\nquery span         AFS\n");
    for (size_t i = 0; i < res->span_starts.size() && i < res->afs.size(); ++i)
        std::printf("[%6lld, %6lld)  %.4g%s\n", (long long)res->span_starts[i],
                    (long long)(res->span_starts[i] + C), res->afs[i],
                    text_of(res->span_starts[i], res->span_starts[i] + C).c_str());

    const size_t top = a.get("top") ? size_t(std::stoul(*a.get("top"))) : 10;
    std::printf("\nstrongest distant dependencies (mass of the query span's attention, layer and "
                "head mean)\n");
    for (const auto& d : strongest_dependencies(res->span_starts, res->span_mass, grid, top)) {
        std::printf("query [%lld, %lld) -> key [%lld, %lld)  mass %.4f  distance %lld\n",
                    (long long)d.query_begin, (long long)d.query_end, (long long)d.key_begin,
                    (long long)d.key_end, d.mass, (long long)d.distance());
        if (tok)
            std::printf("   query:%s\n   key:  %s\n", text_of(d.query_begin, d.query_end).c_str(),
                        text_of(d.key_begin, d.key_end).c_str());
    }
    return kOk;
}

} // namespace ladm::cli
