// ladm show ID --cache DB [--model DIR]
#include "app/cache_access.h"
#include "app/commands.h"
#include "cli/args.h"
#include "core/curate/inspection.h"
#include "core/text/surface.h"
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
    // Text of token ranges, when the tokenizer is at hand.
    std::unique_ptr<Tokenizer> tok;
    std::string err;
    if (auto m = a.get("model")) {
        tok = Tokenizer::from_dir(*m, &err);
        if (!tok) std::cerr << "ladm show: " << err << " (showing positions only)\n";
    }
    SampleEvidence ev;
    if (!inspect_sample(*cache, tok.get(), run, row->sample_id, &ev, &err)) {
        std::cerr << "ladm show: " << err << "\n";
        return kFailure;
    }
    std::printf("%s  domain %s  %s:%lld\nstatus %s  tokens %lld (scored %lld)", id.c_str(),
                row->domain.c_str(), row->loc.file.c_str(), (long long)row->loc.line,
                ev.status.c_str(), (long long)ev.tokens, (long long)ev.tokens_scored);
    if (ev.scored() && ev.has_cds) std::printf("  CDS %.6f", ev.cds);
    if (!ev.error.empty()) std::printf("  error: %s", ev.error.c_str());
    std::printf("\n");
    if (!ev.scores.empty()) {
        std::printf("scores:");
        for (const auto& [name, v] : ev.scores)
            if (name.rfind("f_", 0) != 0) std::printf("  %s %.6g", name.c_str(), v);
        std::printf("\nsurface:");
        for (const auto& [name, v] : ev.scores)
            if (name.rfind("f_", 0) == 0) std::printf("  %s %.4g", feature_label(name).c_str(), v);
        std::printf("\n");
    }
    if (!ev.has_cds) return kOk; // no spans without CDS
    if (!ev.text_error.empty())
        std::cerr << "ladm show: " << ev.text_error << " (showing positions only)\n";
    if (!ev.scored()) return kOk;
    const Encoding& enc = ev.encoding;
    auto text_of = [&](int64_t b, int64_t e) -> std::string {
        if (enc.ids.empty()) return {};
        const std::string t = token_range_text(enc, b, e);
        return t.empty() ? t : "  \"" + snippet(t) + "\"";
    };

    const StoredWindows& grid = ev.grid;
    const int64_t C = grid.span;
    std::printf("\nquery span         AFS\n");
    for (size_t i = 0; i < ev.span_starts.size() && i < ev.afs.size(); ++i)
        std::printf("[%6lld, %6lld)  %.4g%s\n", (long long)ev.span_starts[i],
                    (long long)(ev.span_starts[i] + C), ev.afs[i],
                    text_of(ev.span_starts[i], ev.span_starts[i] + C).c_str());

    const size_t top = a.get("top") ? size_t(std::stoul(*a.get("top"))) : 10;
    std::printf("\nstrongest distant dependencies (mass of the query span's attention, layer and "
                "head mean)\n");
    for (const auto& d : strongest_dependencies(ev.span_starts, ev.span_mass, grid, top)) {
        std::printf("query [%lld, %lld) -> key [%lld, %lld)  mass %.4f  distance %lld\n",
                    (long long)d.query_begin, (long long)d.query_end, (long long)d.key_begin,
                    (long long)d.key_end, d.mass, (long long)d.distance());
        if (!enc.ids.empty())
            std::printf("   query:%s\n   key:  %s\n", text_of(d.query_begin, d.query_end).c_str(),
                        text_of(d.key_begin, d.key_end).c_str());
    }
    return kOk;
}

} // namespace ladm::cli
