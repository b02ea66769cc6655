#include "train/calculator_curriculum.h"

#include "core/corpus/source_text.h"
#include "core/text/surface.h"
#include "core/text/tokenizer.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <unordered_map>
#include <utf8proc.h>
#include <xxhash.h>

namespace fs = std::filesystem;

namespace ladm {

void Batcher::build(std::mt19937_64& rng, int T, bool plain_only, double progress,
                    std::vector<int64_t>* ids, std::vector<int64_t>* pos, std::vector<int32_t>* seq,
                    std::vector<int32_t>* seq_domains) const {
    std::vector<int32_t> s{bos}, sd{kNoDomain}; // tokens, and each one's document class
    int split = T;                              // where the position skip happens
    auto uniform = [&](size_t n) { return n == 0 ? size_t(0) : size_t(rng() % (n + 1)); };
    if (!plain_only && std::uniform_real_distribution<>(0, 1)(rng) < o.copy_fraction && T >= 256) {
        const size_t plen = 32 + uniform(std::min<size_t>(224, size_t(T) / 8));
        std::vector<int32_t> passage, passage_dom;
        if (rng() % 4 == 0) { // random tokens (ids 3.. skip unk/bos/eos)
            for (size_t i = 0; i < plen; ++i)
                passage.push_back(int32_t(3 + rng() % uint64_t(vocab - 3)));
            passage_dom.assign(plen, kNoDomain);
        } else {
            take(rng, &passage, &passage_dom, plen);
        }
        const size_t f1 = uniform(63);
        take(rng, &s, &sd, f1);
        size_t repeats = 2 + rng() % 2;
        const size_t fixed = s.size() + plen;
        while (repeats > 2 && fixed + repeats * plen > size_t(T))
            --repeats;
        const size_t room =
            size_t(T) > fixed + (repeats - 1) * plen ? size_t(T) - fixed - (repeats - 1) * plen : 0;
        const bool early = progress < o.copy_warmup;
        const size_t max_gap =
            early ? std::min<size_t>(room / (repeats - 1), 128) : room / (repeats - 1);
        const size_t skip_copy = 1 + rng() % (repeats - 1); // the copy the skip precedes
        s.insert(s.end(), passage.begin(), passage.end());
        sd.insert(sd.end(), passage_dom.begin(), passage_dom.end());
        for (size_t r = 1; r < repeats; ++r) {
            const size_t gap = uniform(max_gap);
            if (r == skip_copy && !early) split = int(s.size() + gap / 2);
            take(rng, &s, &sd, gap);
            s.insert(s.end(), passage.begin(), passage.end());
            sd.insert(sd.end(), passage_dom.begin(), passage_dom.end());
        }
    }
    if (int(s.size()) < T) take(rng, &s, &sd, size_t(T) - s.size());
    s.resize(size_t(T));
    sd.resize(size_t(T));
    if (seq) *seq = s;
    if (seq_domains) *seq_domains = sd;
    if (split >= T) split = 1 + int(rng() % uint64_t(T - 1));
    const int64_t skip =
        plain_only || o.max_positions <= T ? 0 : int64_t(rng() % uint64_t(o.max_positions - T + 1));
    for (int i = 0; i < T; ++i) {
        ids->push_back(s[size_t(i)]);
        pos->push_back(i < split ? i : i + skip);
    }
}

std::vector<std::vector<size_t>> kind_groups(const std::vector<std::string>& kinds) {
    std::map<std::string, std::vector<size_t>> by;
    for (size_t i = 0; i < kinds.size(); ++i)
        by[kinds[i]].push_back(i);
    std::vector<std::vector<size_t>> out;
    for (auto& [_, v] : by)
        out.push_back(std::move(v));
    return out;
}

void retrieval_targets(const std::vector<int32_t>& s, const std::vector<float>& match_weight,
                       int64_t local, float* out) {
    const size_t T = s.size();
    std::unordered_map<int32_t, std::vector<size_t>> seen; // token -> earlier positions
    for (size_t i = 0; i < T; ++i) {
        auto& v = seen[s[i]];
        const float w = i > 0 ? match_weight[i] : 0.0f;
        float* row = out + i * T;
        size_t n = 0; // earlier occurrences more than `local` tokens back
        while (n < v.size() && int64_t(i - v[n]) > local)
            ++n;
        const float z = 1.0f + w * float(n);
        row[0] = 1.0f / z;
        for (size_t k = 0; k < n; ++k)
            row[v[k]] = w / z;
        if (i > 0) v.push_back(i);
    }
}

std::vector<std::string> default_training_files() {
    std::vector<std::string> f;
    auto append = [&](const std::vector<std::string>& v) { f.insert(f.end(), v.begin(), v.end()); };
    append(sorted_files(
        "/usr/share/common-licenses", [](const fs::path&) { return true; }, 100));
    append(sorted_files(
        "/usr/share/doc", [](const fs::path& p) { return p.filename() == "changelog.Debian.gz"; },
        600));
    append(sorted_files(
        "/usr/include", [](const fs::path& p) { return p.extension() == ".h"; }, 1500));
    append(sorted_files(
        "/usr/lib/python3.11", [](const fs::path& p) { return p.extension() == ".py"; }, 800));
    // Long prose (python3.11-doc, perl-doc, git-doc; the info manuals of the base system,
    // typeset with typographic quotes): the kinds a curator's corpus has more of.
    append(sorted_files(
        "/usr/share/doc/python3.11/html/_sources",
        [](const fs::path& p) { return p.string().ends_with(".rst.txt"); }, 400));
    append(sorted_files(
        "/usr/share/perl",
        [](const fs::path& p) {
            return p.extension() == ".pod" && p.parent_path().filename() == "pod";
        },
        200));
    append(sorted_files(
        "/usr/share/doc/git-doc", [](const fs::path& p) { return p.extension() == ".txt"; }, 300));
    append(sorted_files(
        "/usr/share/info",
        [](const fs::path& p) { return p.filename().string().find(".info") != std::string::npos; },
        100));
    return f;
}

TokenRarity token_rarity(const TrainOptions& o, const std::vector<std::vector<int32_t>>& docs,
                         const std::vector<std::string>& kinds, int32_t vocab,
                         const std::vector<uint8_t>& never_match) {
    TokenRarity r;
    const auto V = size_t(vocab);
    std::map<std::string, int> files;
    for (const auto& k : kinds)
        ++files[k];
    std::map<std::string, int32_t> index;
    if (o.domain_rarity)
        for (const auto& [k, n] : files)
            if (n >= kMinDomainDocuments)
                index[k] = int32_t(r.class_names.size()), r.class_names.push_back(k);
    const size_t C = r.class_names.size();
    // counts[C]: all the text
    std::vector<std::vector<double>> counts(C + 1, std::vector<double>(V, 1.0));
    for (size_t i = 0; i < docs.size(); ++i) {
        const auto it = index.find(kinds[i]);
        r.doc_class.push_back(it == index.end() ? Batcher::kNoDomain : it->second);
        for (int32_t t : docs[i]) {
            counts[C][size_t(t)] += 1;
            if (it != index.end()) counts[size_t(it->second)][size_t(t)] += 1;
        }
    }
    std::vector<std::vector<double>> nlf(C + 1, std::vector<double>(V));
    for (size_t c = 0; c <= C; ++c) {
        double total = 0;
        for (double n : counts[c])
            total += n;
        for (size_t t = 0; t < V; ++t)
            nlf[c][t] = -std::log(counts[c][t] / total);
    }
    r.neg_log_freq = nlf[C];
    r.weight.assign(C + 1, std::vector<float>(V));
    for (size_t c = 0; c <= C; ++c)
        for (size_t t = 0; t < V; ++t)
            r.weight[c][t] = float(std::exp(nlf[c][t] - o.match_theta));
    // the average over occurrences: every occurrence in a class document counts in that
    // class, the others over all the text (the add-one counts cancel out)
    r.init_neg_log_freq = r.neg_log_freq;
    for (size_t t = 0; t < V; ++t) {
        double n = 0, sum = 0, in_classes = 0;
        for (size_t c = 0; c < C; ++c) {
            const double k = counts[c][t] - 1;
            n += k, sum += k * nlf[c][t], in_classes += k;
        }
        const double rest = counts[C][t] - 1 - in_classes;
        n += rest, sum += rest * nlf[C][t];
        if (n > 0) r.init_neg_log_freq[t] = sum / n;
    }
    for (size_t t = 0; t < std::min(V, never_match.size()); ++t) {
        if (!never_match[t]) continue;
        for (auto& w : r.weight)
            w[t] = 0.0f;
        r.init_neg_log_freq[t] = 0.0;
    }
    return r;
}

std::vector<float> TokenRarity::match_weights(const std::vector<int32_t>& seq,
                                              const std::vector<int32_t>& seq_class) const {
    std::vector<float> w(seq.size());
    for (size_t i = 0; i < seq.size(); ++i) {
        const int32_t c = i < seq_class.size() ? seq_class[i] : Batcher::kNoDomain;
        w[i] = weight[c == Batcher::kNoDomain ? weight.size() - 1 : size_t(c)][size_t(seq[i])];
    }
    return w;
}

void write_tokenizer_input(std::ostream& out, const std::vector<std::string>& docs,
                           const std::vector<std::string>& kinds, bool by_kind, size_t bytes) {
    auto key = [&](size_t d) { return by_kind ? kinds.at(d) : std::string(); };
    std::map<std::string, size_t> written; // bytes per kind, or all under ""
    for (size_t d = 0; d < docs.size(); ++d)
        written[key(d)] = 0;
    const size_t share = bytes / std::max<size_t>(1, written.size());
    for (size_t d = 0; d < docs.size(); ++d) {
        const std::string& t = docs[d];
        size_t& n = written[key(d)];
        for (size_t i = 0; i < t.size() && n < share;) {
            size_t e = std::min(t.size(), i + 4000);
            while (e < t.size() && e > i + 1 && (uint8_t(t[e]) & 0xC0) == 0x80)
                --e; // whole characters only
            std::string chunk = t.substr(i, e - i);
            std::replace(chunk.begin(), chunk.end(), '\n', ' ');
            out << chunk << "\n";
            n += chunk.size();
            i = e;
        }
    }
}

std::vector<uint8_t> never_match_tokens(const Tokenizer& tok) {
    const auto V = size_t(std::max(0, tok.vocab_size()));
    std::vector<uint8_t> never(V, 0);
    for (size_t id = 0; id < V; ++id) {
        const auto i = int32_t(id);
        if (i == tok.bos_id() || i == tok.eos_id() ||
            byte_fallback_value(tok.token_string(i)) >= 0) {
            never[id] = 1;
            continue;
        }
        const std::string b = tok.token_bytes(i);
        bool only = !b.empty();
        for (size_t k = 0; k < b.size() && only;) {
            utf8proc_int32_t c = -1;
            const auto n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(&b[k]),
                                            utf8proc_ssize_t(b.size() - k), &c);
            if (n <= 0) { // not UTF-8 on its own (part of a character): an ordinary token
                only = false;
                break;
            }
            if (!is_punctuation_or_symbol(c) && !is_space_or_control(c)) only = false;
            k += size_t(n);
        }
        never[id] = only ? 1 : 0;
    }
    return never;
}

std::string text_domain(const std::string& p) {
    if (p.find("/common-licenses/") != std::string::npos) return "Licenses";
    if (p.find("/html/_sources/") != std::string::npos) return "Python-docs";
    if (p.find("/share/perl/") != std::string::npos && fs::path(p).extension() == ".pod")
        return "Perl-docs";
    if (p.find("/share/doc/git-doc/") != std::string::npos && fs::path(p).extension() == ".txt")
        return "Git-docs";
    if (p.find("/share/info/") != std::string::npos) return "Info-manuals";
    if (p.find("/share/doc/") != std::string::npos) return "Changelogs";
    if (p.find("/include/") != std::string::npos) return "C-headers";
    if (fs::path(p).extension() == ".py") return "Python";
    return fs::path(p).parent_path().string();
}

std::vector<std::string> calculator_text_files(const std::vector<std::string>& given) {
    return unique_content(given.empty() ? default_training_files() : given);
}

bool is_left_out(const std::string& path, const std::vector<std::string>& kinds) {
    return !kinds.empty() &&
           std::find(kinds.begin(), kinds.end(), text_domain(path)) != kinds.end();
}

bool is_held_out(const std::string& path, double held_out_fraction) {
    return double(XXH3_64bits(path.data(), path.size()) % 10000) < held_out_fraction * 10000;
}

} // namespace ladm
