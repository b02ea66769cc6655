#include "core/corpus/demo_corpus.h"

#include "core/corpus/jsonl_writer.h"
#include "core/corpus/source_text.h"
#include "core/text/tokenizer.h"
#include "core/text/utf8.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <sstream>
#include <zlib.h>

namespace fs = std::filesystem;

namespace ladm {

namespace {

struct Source {
    std::string domain, path, text;
    int64_t tokens = 0;
};

// The byte index of code point k of UTF-8 text (its size when k is past the end).
size_t byte_of_char(const std::string& text, int64_t k) {
    for (size_t i = 0; i < text.size(); ++i)
        if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80 && k-- == 0) return i;
    return text.size();
}

// Tokens of text, as the scorer will see them (characters / 4 without a tokenizer).
int64_t count_tokens(const Tokenizer* tok, const std::string& text) {
    return tok ? int64_t(tok->encode(text, false).ids.size()) : int64_t(text.size() / 4);
}

// Cuts text to at most max tokens, at the last line end within them when there is one in
// their second half; returns its token count.
int64_t cut_to_tokens(const Tokenizer* tok, std::string& text, int64_t max) {
    size_t end = 0;
    if (tok) {
        const Encoding e = tok->encode(text, false);
        if (int64_t(e.ids.size()) <= max) return int64_t(e.ids.size());
        text = e.text;
        end = byte_of_char(text, e.offsets[size_t(max - 1)].second);
    } else {
        if (int64_t(text.size() / 4) <= max) return int64_t(text.size() / 4);
        end = size_t(max) * 4;
        while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
            --end;
    }
    const size_t nl = end > 0 ? text.rfind('\n', end - 1) : std::string::npos;
    text.resize(nl != std::string::npos && nl + 1 >= end / 2 ? nl + 1 : end);
    return count_tokens(tok, text);
}

} // namespace

bool write_demo_corpus(const std::string& out_path, const DemoCorpusOptions& o,
                       DemoCorpusSummary* sum, std::string* error) {
    // Domains and where their documents come from.
    struct Domain {
        std::string name;
        std::vector<std::string> files;
    };
    std::vector<Domain> domains = {
        {"Licenses",
         sorted_files("/usr/share/common-licenses", [](const fs::path&) { return true; })},
        {"Changelogs", sorted_files("/usr/share/doc",
                                    [](const fs::path& p) {
                                        return p.filename() == "changelog.Debian.gz" ||
                                               p.filename() == "changelog.gz";
                                    })},
        {"C-headers",
         sorted_files("/usr/include", [](const fs::path& p) { return p.extension() == ".h"; })},
        {"Python", sorted_files("/usr/lib/python3.11",
                                [](const fs::path& p) { return p.extension() == ".py"; })},
    };
    std::mt19937_64 rng(o.seed);
    std::vector<Source> coherent;
    std::map<std::string, std::vector<Source>> pool; // every readable document, for splicing
    // Every domain gets an equal share of the coherent samples; a domain with fewer long
    // documents (the licences) leaves the rest of its share to the others, one each in turn.
    const int want = std::max(1, o.samples / 2);
    const int per_domain = std::max(1, want / int(domains.size()));
    SeenTexts seen; // one copy of a file Debian installs several times
    // A document as the sample: false when it is not min_tokens long.
    auto take = [&](const Domain& d, const std::string& f, std::string fixed) {
        // at least a character per token: skip what cannot be long enough untokenized
        if (int64_t(fixed.size()) < o.min_tokens) return false;
        // no text has 12 characters per token: tokenize no more than can be kept
        if (int64_t(fixed.size()) > 12 * o.max_tokens) {
            size_t end = size_t(12 * o.max_tokens);
            while (end > 0 && (static_cast<unsigned char>(fixed[end]) & 0xC0) == 0x80)
                --end;
            fixed.resize(end);
        }
        const int64_t n = cut_to_tokens(o.tokenizer, fixed, o.max_tokens);
        if (n < o.min_tokens) return false;
        coherent.push_back({d.name, f, std::move(fixed), n});
        return true;
    };
    // Per domain: the next file to read; the pool's documents [0, tried) have been tried as
    // samples, the others not.
    std::vector<size_t> next(domains.size(), 0), tried(domains.size(), 0);
    // Reads domain di's files from `next` on: every new document of 2,000 characters or more
    // goes to the pool (up to 400) and is tried as a sample while fewer than `quota` are
    // taken; stops once both are done. Returns how many samples it took.
    auto walk = [&](size_t di, int quota) {
        const Domain& d = domains[di];
        auto& docs = pool[d.name];
        int taken = 0;
        while (next[di] < d.files.size() && (taken < quota || docs.size() < 400)) {
            const std::string& f = d.files[next[di]++];
            std::string text = read_text_file(f), fixed;
            utf8::repair(text, &fixed);
            if (int64_t(fixed.size()) < 2000 || !seen.insert(fixed)) continue;
            const bool pooled = docs.size() < 400;
            if (pooled) docs.push_back({d.name, f, fixed});
            if (taken < quota) {
                if (pooled) tried[di] = docs.size();
                if (take(d, f, std::move(fixed))) ++taken;
            }
        }
        return taken;
    };
    for (size_t di = 0; di < domains.size(); ++di) {
        // A seeded shuffle of the sorted list: deterministic, spread over the folder.
        std::shuffle(domains[di].files.begin(), domains[di].files.end(), rng);
        walk(di, per_domain);
    }
    // Then the domains that had more long documents than their share fill the rest, one
    // sample each in turn: first from the documents their pool holds untried, then reading on.
    for (bool more = true; more && int(coherent.size()) < want;) {
        more = false;
        for (size_t di = 0; di < domains.size() && int(coherent.size()) < want; ++di) {
            const auto& docs = pool[domains[di].name];
            bool got = false;
            while (!got && tried[di] < docs.size()) {
                const Source& s = docs[tried[di]++];
                got = take(domains[di], s.path, s.text);
            }
            if (!got) got = walk(di, 1) == 1;
            more = more || got;
        }
    }
    // samples of a domain together, in the order the domains are listed
    std::stable_sort(coherent.begin(), coherent.end(), [&](const Source& a, const Source& b) {
        auto index = [&](const std::string& name) {
            return std::find_if(domains.begin(), domains.end(),
                                [&](const Domain& d) { return d.name == name; }) -
                   domains.begin();
        };
        return index(a.domain) < index(b.domain);
    });
    if (coherent.empty()) {
        *error =
            "no source documents found (is this a Debian machine with LADM Studio's packages?)";
        return false;
    }
    auto out = JsonlWriter::open(out_path, error);
    if (!out) return false;
    int n = 0;
    // A piece (300-1800 characters, cut at line ends) of a random document of docs other
    // than `exclude`, appended to text (docs holds at least one other document).
    auto append_piece = [&](const std::vector<Source>& docs, const std::string& exclude,
                            std::string& text, nlohmann::json& sources) {
        const Source* s = nullptr;
        do
            s = &docs[rng() % docs.size()];
        while (s->path == exclude);
        const size_t len = 300 + rng() % 1500;
        size_t start = s->text.size() > len ? rng() % (s->text.size() - len) : 0;
        const size_t nl = s->text.find('\n', start);
        if (nl != std::string::npos && nl < start + 200) start = nl + 1;
        while (start < s->text.size() &&
               (static_cast<unsigned char>(s->text[start]) & 0xC0) == 0x80)
            ++start;
        size_t end = std::min(s->text.size(), start + len);
        const size_t nl2 = s->text.rfind('\n', end);
        if (nl2 != std::string::npos && nl2 > start) end = nl2 + 1;
        text += s->text.substr(start, end - start);
        if (sources.size() < 64) sources.push_back(s->path);
    };
    auto emit = [&](const std::string& text, const std::string& domain, const std::string& kind,
                    const nlohmann::json& sources, int64_t tokens) {
        sum->min_tokens = n == 0 ? tokens : std::min(sum->min_tokens, tokens);
        sum->max_tokens = std::max(sum->max_tokens, tokens);
        nlohmann::json j = {
            {"id", "demo-" + std::to_string(n++)},
            {"text", text},
            {"meta", {{"pile_set_name", domain}, {"kind", kind}, {"sources", sources}}}};
        sum->chars += int64_t(text.size());
        return out->write_line(j.dump());
    };
    for (const auto& c : coherent) {
        if (!emit(c.text, c.domain, "coherent", {c.path}, c.tokens)) {
            *error = out->error();
            return false;
        }
        ++sum->coherent;
        // Its control: the same length in tokens, spliced from pieces (< 512 tokens,
        // ~300-1800 chars) of other documents of the same domain, cut at line ends.
        const auto& docs = pool[c.domain];
        std::string text;
        nlohmann::json sources = nlohmann::json::array();
        int64_t tokens = 0;
        const double chars_per_token =
            double(c.text.size()) / double(std::max<int64_t>(1, c.tokens));
        while (tokens < c.tokens && docs.size() > 1) {
            // pieces for the tokens still missing (at the coherent sample's rate), then count
            const size_t want =
                text.size() + size_t(double(c.tokens - tokens) * chars_per_token) + 1;
            while (text.size() < want)
                append_piece(docs, c.path, text, sources);
            tokens = count_tokens(o.tokenizer, text);
        }
        tokens = cut_to_tokens(o.tokenizer, text, c.tokens);
        std::string fixed;
        utf8::repair(text, &fixed); // pieces never split a character, but be sure
        if (!emit(fixed, c.domain, "spliced", sources, tokens)) {
            *error = out->error();
            return false;
        }
        ++sum->spliced;
    }
    if (!out->close()) {
        *error = out->error();
        return false;
    }
    return true;
}

} // namespace ladm
