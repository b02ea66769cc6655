#include "train/calculator_eval.h"

#include "core/corpus/jsonl_writer.h"
#include "core/corpus/source_text.h"
#include "core/curate/score_table.h"
#include "core/model/engine.h"
#include "core/text/lexical.h"
#include "core/text/tokenizer.h"
#include "train/calculator_curriculum.h"

#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <unordered_map>

namespace ladm {

double roc_auc(const std::vector<double>& pos, const std::vector<double>& neg) {
    if (pos.empty() || neg.empty()) return 0.5;
    double wins = 0;
    for (double p : pos)
        for (double n : neg)
            wins += p > n ? 1.0 : p == n ? 0.5 : 0.0;
    return wins / (double(pos.size()) * double(neg.size()));
}

double auc_standard_error(double a, size_t n_pos, size_t n_neg) {
    if (n_pos == 0 || n_neg == 0) return 0;
    const double q1 = a / (2 - a), q2 = 2 * a * a / (1 + a);
    const double v =
        (a * (1 - a) + (double(n_pos) - 1) * (q1 - a * a) + (double(n_neg) - 1) * (q2 - a * a)) /
        (double(n_pos) * double(n_neg));
    return std::sqrt(std::max(0.0, v));
}

std::map<std::string, double> roc_auc_per_group(const std::vector<double>& pos,
                                                const std::vector<double>& neg,
                                                const std::vector<std::string>& group) {
    std::map<std::string, std::pair<std::vector<double>, std::vector<double>>> by;
    for (size_t k = 0; k < group.size(); ++k)
        by[group[k]].first.push_back(pos[k]), by[group[k]].second.push_back(neg[k]);
    std::map<std::string, double> out;
    for (const auto& [g, pn] : by)
        out[g] = roc_auc(pn.first, pn.second);
    return out;
}

double recorded_held_out_fraction(const std::string& dir, double fallback) {
    std::ifstream f(dir + "/config.json");
    const auto j = nlohmann::json::parse(f, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("ladm_studio_training")) return fallback;
    const auto& t = j["ladm_studio_training"];
    return t.is_object() && t.contains("held_out_fraction") && t["held_out_fraction"].is_number()
               ? t["held_out_fraction"].get<double>()
               : fallback;
}

bool model_never_saw(const std::string& dir, const std::string& kind) {
    const auto left = recorded_leave_out(dir);
    if (std::find(left.begin(), left.end(), kind) != left.end()) return true;
    std::ifstream f(dir + "/training-sources.txt");
    if (!f) return false; // not a model of train-calculator: unknown
    bool any = false;
    for (std::string line; std::getline(f, line);) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream ss(line);
        std::string split, bytes, path;
        ss >> split >> bytes;
        std::getline(ss >> std::ws, path);
        if (path.empty()) return false; // not the format train-calculator writes
        any = true;
        if (split == "train" && text_domain(path) == kind) return false;
    }
    return any;
}

bool leave_out_needs_training(const std::string& dir) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const bool has_model = fs::exists(dir + "/model.safetensors", ec) ||
                           fs::exists(dir + "/model.safetensors.index.json", ec);
    const bool unfinished =
        fs::exists(dir + "/train-state", ec) && !fs::exists(dir + "/training.json", ec);
    return !has_model || unfinished;
}

std::vector<std::string> recorded_leave_out(const std::string& dir) {
    std::ifstream f(dir + "/config.json");
    const auto j = nlohmann::json::parse(f, nullptr, false);
    std::vector<std::string> out;
    if (j.is_discarded() || !j.is_object() || !j.contains("ladm_studio_training")) return out;
    const auto& t = j["ladm_studio_training"];
    if (t.is_object() && t.contains("leave_out") && t["leave_out"].is_array())
        for (const auto& k : t["leave_out"])
            if (k.is_string()) out.push_back(k.get<std::string>());
    return out;
}

std::vector<int32_t> spliced_control(const std::vector<const std::vector<int32_t>*>& docs,
                                     size_t exclude, int64_t tokens, std::mt19937_64& rng,
                                     std::vector<size_t>* sources) {
    std::vector<int32_t> out;
    // Each piece from a different document while there are unused ones: two pieces of one
    // document share its names and would make the control coherent.
    std::vector<char> used(docs.size(), 0);
    size_t unused = 0;
    for (size_t j = 0; j < docs.size(); ++j)
        unused += j != exclude && docs[j]->size() >= 64;
    if (unused == 0) return out;
    while (int64_t(out.size()) < tokens) {
        const size_t j = rng() % docs.size();
        const auto& d = *docs[j];
        if (j == exclude || d.size() < 64) continue;
        if (unused > 0 && used[j]) continue;
        if (!used[j]) used[j] = 1, --unused;
        const size_t len = std::min<size_t>(64 + rng() % 448, d.size()); // < 512 tokens
        const size_t start = rng() % (d.size() - len + 1);
        out.insert(out.end(), d.begin() + long(start), d.begin() + long(start + len));
        if (sources) sources->push_back(j);
    }
    out.resize(size_t(tokens));
    return out;
}

std::vector<int32_t> spliced_control(const std::vector<std::vector<int32_t>>& docs, size_t exclude,
                                     int64_t tokens, std::mt19937_64& rng,
                                     std::vector<size_t>* sources) {
    std::vector<const std::vector<int32_t>*> ptrs;
    for (const auto& d : docs)
        ptrs.push_back(&d);
    return spliced_control(ptrs, exclude, tokens, rng, sources);
}

namespace {
// The files' documents by kind, tokenized without BOS: both sides of the split with
// all_documents, else the held-out side (the training side with training_documents);
// kind "" = every kind.
std::map<std::string, std::vector<std::vector<int32_t>>> read_documents(const EvalOptions& o,
                                                                        const Tokenizer& tok,
                                                                        bool all_documents,
                                                                        const std::string& kind) {
    std::map<std::string, std::vector<std::vector<int32_t>>> by_domain;
    for (const auto& f : calculator_text_files(o.text_files)) {
        if (!all_documents && is_held_out(f, o.held_out_fraction) == o.training_documents) continue;
        if (!kind.empty() && text_domain(f) != kind) continue;
        if (is_left_out(f, o.exclude_kinds)) continue;
        std::string text = read_text_file(f);
        if (text.size() < 200) continue;
        if (o.ascii_punct) text = ascii_punctuation(text);
        by_domain[text_domain(f)].push_back(tok.encode(text, false).ids);
    }
    return by_domain;
}
} // namespace

std::map<std::string, std::vector<std::vector<int32_t>>> eval_documents(const EvalOptions& o,
                                                                        const Tokenizer& tok) {
    return read_documents(o, tok, o.all_documents, o.kind);
}

std::map<std::string, std::vector<std::vector<int32_t>>> control_documents(const EvalOptions& o,
                                                                           const Tokenizer& tok) {
    if (!o.unrelated_controls) return {};
    return read_documents(o, tok, false, "");
}

namespace {
// build_eval_pairs from documents already read (by_domain: eval_documents'; controls:
// control_documents').
bool pairs_of(const EvalOptions& o, const Tokenizer& tok,
              std::map<std::string, std::vector<std::vector<int32_t>>> by_domain,
              const std::map<std::string, std::vector<std::vector<int32_t>>>& controls,
              std::vector<std::pair<std::vector<int32_t>, std::vector<int32_t>>>* pairs,
              std::vector<std::string>* domains, std::string* error);
} // namespace

namespace {
using Documents = std::map<std::string, std::vector<std::vector<int32_t>>>;
// The documents controls are spliced from: docs itself when it already holds every kind of
// the side control_documents reads, else those read into *storage.
const Documents& controls_for(const EvalOptions& o, const Tokenizer& tok, const Documents& docs,
                              Documents* storage) {
    if (o.unrelated_controls && o.kind.empty() && !o.all_documents) return docs;
    *storage = control_documents(o, tok);
    return *storage;
}
} // namespace

bool build_eval_pairs(const EvalOptions& o, const Tokenizer& tok,
                      std::vector<std::pair<std::vector<int32_t>, std::vector<int32_t>>>* pairs,
                      std::vector<std::string>* domains, std::string* error) {
    const auto docs = eval_documents(o, tok);
    Documents storage;
    return pairs_of(o, tok, docs, controls_for(o, tok, docs, &storage), pairs, domains, error);
}

namespace {
bool pairs_of(const EvalOptions& o, const Tokenizer& tok,
              std::map<std::string, std::vector<std::vector<int32_t>>> by_domain,
              const std::map<std::string, std::vector<std::vector<int32_t>>>& controls,
              std::vector<std::pair<std::vector<int32_t>, std::vector<int32_t>>>* pairs,
              std::vector<std::string>* domains, std::string* error) {
    const int64_t body = o.tokens - 1; // BOS first
    std::mt19937_64 rng(o.seed);
    // Candidates per domain, then taken round-robin so no domain fills all the pairs.
    std::vector<std::pair<std::string, std::vector<size_t>>> cand;
    for (auto& [dom, docs] : by_domain) {
        if (!o.unrelated_controls && docs.size() < 3) continue; // the one and 2 to splice
        std::vector<size_t> c;
        for (size_t i = 0; i < docs.size(); ++i)
            if (int64_t(docs[i].size()) >= body) c.push_back(i);
        if (!c.empty()) cand.emplace_back(dom, std::move(c));
    }
    std::vector<std::pair<std::string, size_t>> order; // (domain, document index)
    for (size_t r = 0; int(order.size()) < o.pairs; ++r) {
        bool any = false;
        for (const auto& [dom, c] : cand)
            if (r < c.size() && int(order.size()) < o.pairs)
                order.emplace_back(dom, c[r]), any = true;
        if (!any) break;
    }
    // Unrelated controls: per kind, the documents of every other kind.
    std::map<std::string, std::vector<const std::vector<int32_t>*>> unrelated;
    if (o.unrelated_controls)
        for (const auto& [dom, _] : cand)
            for (const auto& [other, list] : controls)
                if (other != dom)
                    for (const auto& d : list)
                        unrelated[dom].push_back(&d);
    for (const auto& [dom, i] : order) {
        const auto& docs = by_domain[dom];
        const auto pieces = o.unrelated_controls
                                ? spliced_control(unrelated[dom], unrelated[dom].size(), body, rng)
                                : spliced_control(docs, i, body, rng);
        if (pieces.empty()) continue; // no other document of 64+ tokens to splice
        std::vector<int32_t> coherent{tok.bos_id()}, spliced{tok.bos_id()};
        coherent.insert(coherent.end(), docs[i].begin(), docs[i].begin() + body);
        spliced.insert(spliced.end(), pieces.begin(), pieces.end());
        pairs->emplace_back(std::move(coherent), std::move(spliced));
        domains->push_back(dom);
    }
    if (pairs->empty()) {
        size_t n = 0;
        for (const auto& [_, d] : by_domain)
            n += d.size();
        *error = "no pairs: " + std::to_string(n) +
                 (o.training_documents ? " training" : " held-out") +
                 (o.kind.empty() ? "" : " " + o.kind) + " documents; a pair needs one of " +
                 std::to_string(o.tokens) + " tokens and " +
                 (o.unrelated_controls ? "documents of other kinds" : "2 more in its domain") +
                 " (try --tokens smaller)";
        return false;
    }
    return true;
}
} // namespace

double target_attention_cds(const std::vector<int32_t>& s, const std::vector<float>& match_weight,
                            const LadmParams& p) {
    const auto L = int64_t(s.size());
    const auto starts = query_span_starts(L, p);
    if (starts.empty()) return 0;
    const WindowGrid grid(L, p.span);
    std::unordered_map<int32_t, std::vector<int64_t>> at; // token -> positions after BOS
    for (int64_t i = 1; i < L; ++i)
        at[s[size_t(i)]].push_back(i);
    double sum = 0;
    for (int64_t t : starts) {
        std::vector<double> mass(size_t(grid.count()), 0.0);
        for (int64_t i = t; i < t + p.span; ++i) {
            const auto& v = at[s[size_t(i)]];
            const auto n = std::lower_bound(v.begin(), v.end(), t) - v.begin(); // before t
            const double w = match_weight[size_t(i)], z = 1.0 + w * double(n);
            mass[size_t(grid.index_of(0))] += 1.0 / z;
            for (auto k = 0; k < n; ++k)
                mass[size_t(grid.index_of(v[size_t(k)]))] += w / z;
        }
        sum += aggregated_focus(t, L, pairwise_focus(t, mass, grid, p), p);
    }
    return sum / double(starts.size());
}

namespace {
// The targets' match weights for the pairs of each domain (see EvalOptions::target_attention).
bool target_weights(const EvalOptions& o, std::map<std::string, std::vector<float>>* by_domain,
                    const std::vector<std::string>& domains, std::string* error) {
    auto tok = Tokenizer::from_dir(o.model_dir, error);
    if (!tok) return false;
    TrainOptions t;
    t.match_theta = 13; // train-calculator's before it recorded it
    t.domain_rarity = false;
    std::ifstream f(o.model_dir + "/config.json");
    const auto j = nlohmann::json::parse(f, nullptr, false);
    if (!j.is_discarded() && j.is_object() && j.contains("ladm_studio_training")) {
        const auto& r = j["ladm_studio_training"];
        t.match_theta = r.value("match_theta", t.match_theta);
        t.domain_rarity = r.value("domain_rarity", false);
        t.skip_punctuation_matches = r.value("skip_punctuation_matches", false);
    } else {
        t.skip_punctuation_matches = false;
    }
    std::vector<std::vector<int32_t>> docs;
    std::vector<std::string> kinds;
    const auto left_out = recorded_leave_out(o.model_dir); // as train-calculator measured it
    for (const auto& file : calculator_text_files(o.text_files)) {
        if (is_held_out(file, o.held_out_fraction) || is_left_out(file, left_out)) continue;
        const std::string text = read_text_file(file);
        if (text.size() < 200) continue; // as train-calculator
        docs.push_back(tok->encode(text, false).ids);
        kinds.push_back(text_domain(file));
    }
    if (docs.empty()) {
        *error = "no training documents to measure token frequencies on";
        return false;
    }
    const auto r = token_rarity(t, docs, kinds, int32_t(tok->vocab_size()),
                                t.skip_punctuation_matches ? never_match_tokens(*tok)
                                                           : std::vector<uint8_t>{});
    for (const auto& d : domains) {
        const auto c = std::find(r.class_names.begin(), r.class_names.end(), d);
        (*by_domain)[d] = r.weight[size_t(c - r.class_names.begin())]; // last row: all text
    }
    return true;
}

// Scores one sample as the evaluation asks: with the model, or with the attention the
// training targets ask for (EvalOptions::target_attention).
class EvalScorer {
  public:
    // domains: those of the samples to be scored (the targets' rarity is per kind).
    bool open(const EvalOptions& o, const std::vector<std::string>& domains, std::string* error) {
        if (o.target_attention) {
            if (o.query_scale != 1.0) {
                *error = "a query scale applies to the model's attention, not to the training "
                         "targets (--target-attention)";
                return false;
            }
            return target_weights(o, &m_weights, domains, error);
        }
        EngineOptions eo;
        eo.query_scale = o.query_scale;
        m_engine = Engine::open(o.model_dir, eo, error);
        return m_engine != nullptr;
    }
    ScoreResult score(const std::vector<int32_t>& s, const std::string& domain,
                      const LadmParams& p) {
        if (m_engine) return m_engine->score(s, p);
        const auto& weight = m_weights.at(domain);
        std::vector<float> w(s.size());
        for (size_t i = 0; i < s.size(); ++i)
            w[i] = weight[size_t(s[i])];
        ScoreResult r;
        r.status = ScoreStatus::Ok;
        r.cds = target_attention_cds(s, w, p);
        r.cds_per_layer = {r.cds};
        return r;
    }

  private:
    std::unique_ptr<Engine> m_engine;
    std::map<std::string, std::vector<float>> m_weights; // target_attention's, per domain
};

bool ladm_params_for(const EvalOptions& o, LadmParams* p, std::string* error) {
    *p = o.params;
    p->max_len = o.tokens;
    if (std::string e = validate(*p); !e.empty()) {
        *error = "bad LADM parameters: " + e;
        return false;
    }
    if (query_span_starts(o.tokens, *p).empty()) {
        *error = std::to_string(o.tokens) + " tokens are too short for LADM with span " +
                 std::to_string(p->span) + ", d_afs " + std::to_string(p->d_afs) +
                 ": a sample needs more than " +
                 std::to_string(p->span + p->sink() + 4 * p->interval()) + " tokens";
        return false;
    }
    return true;
}
} // namespace

bool evaluate_pairs(const EvalOptions& o,
                    const std::vector<std::pair<std::vector<int32_t>, std::vector<int32_t>>>& pairs,
                    const std::vector<std::string>& pair_domain,
                    const std::function<void(int, int)>& progress, EvalResult* res,
                    std::string* error) {
    const auto t0 = std::chrono::steady_clock::now();
    LadmParams p;
    if (!ladm_params_for(o, &p, error)) return false;
    if (pairs.empty() || pairs.size() != pair_domain.size()) {
        *error = "no pairs to score";
        return false;
    }
    EvalScorer scorer;
    if (!scorer.open(o, pair_domain, error)) return false;
    auto score = [&](const std::vector<int32_t>& s, const std::string& domain) {
        return scorer.score(s, domain, p);
    };
    for (size_t k = 0; k < pairs.size(); ++k) {
        const auto a = score(pairs[k].first, pair_domain[k]),
                   b = score(pairs[k].second, pair_domain[k]);
        for (const auto* r : {&a, &b})
            if (r->status != ScoreStatus::Ok) {
                *error = std::string("scoring the ") + (r == &a ? "coherent" : "spliced") +
                         " sample of pair " + std::to_string(k + 1) + " (" + pair_domain[k] +
                         ") failed: " + (r->error.empty() ? status_name(r->status) : r->error);
                return false;
            }
        res->coherent.push_back(a.cds);
        res->spliced.push_back(b.cds);
        res->coherent_layers.push_back(a.cds_per_layer);
        res->spliced_layers.push_back(b.cds_per_layer);
        ++res->pairs_per_domain[pair_domain[k]];
        res->domains.push_back(pair_domain[k]);
        if (progress) progress(int(k + 1), int(pairs.size()));
    }
    res->pairs = int(pairs.size());
    res->auc = roc_auc(res->coherent, res->spliced);
    for (size_t l = 0; l < res->coherent_layers[0].size(); ++l) {
        std::vector<double> c, s;
        for (size_t k = 0; k < pairs.size(); ++k)
            c.push_back(res->coherent_layers[k][l]), s.push_back(res->spliced_layers[k][l]);
        res->auc_per_layer.push_back(roc_auc(c, s));
    }
    res->auc_per_domain = roc_auc_per_group(res->coherent, res->spliced, res->domains);
    for (size_t k = 0; k < pairs.size(); ++k) {
        res->mean_coherent += res->coherent[k] / double(pairs.size());
        res->mean_spliced += res->spliced[k] / double(pairs.size());
    }
    res->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return true;
}

namespace {
// EvalOptions::length_correlation: every document of the evaluation's side long enough for
// LADM, cut at o.tokens, scored alone.
bool score_lengths(const EvalOptions& o, const Tokenizer& tok, const LadmParams& p,
                   const std::map<std::string, std::vector<std::vector<int32_t>>>& docs,
                   EvalResult* res, std::string* error) {
    std::vector<std::string> domains;
    for (const auto& [dom, _] : docs)
        domains.push_back(dom);
    EvalScorer scorer;
    if (!scorer.open(o, domains, error)) return false;
    for (const auto& [dom, list] : docs)
        for (const auto& d : list) {
            const int64_t L = std::min<int64_t>(o.tokens, int64_t(d.size()) + 1);
            if (query_span_starts(L, p).empty()) continue; // too short to score
            std::vector<int32_t> s{tok.bos_id()};
            s.insert(s.end(), d.begin(), d.begin() + (L - 1));
            const auto r = scorer.score(s, dom, p);
            if (r.status != ScoreStatus::Ok) {
                *error = "scoring a " + dom + " document of " + std::to_string(L) +
                         " tokens failed: " + (r.error.empty() ? status_name(r.status) : r.error);
                return false;
            }
            res->length_domains.push_back(dom);
            res->length_tokens.push_back(L);
            res->length_cds.push_back(r.cds);
        }
    return true;
}
} // namespace

namespace {
// EvalOptions::pairs_out: both sides of every pair, decoded, with their scores.
// texts: the pairs' decoded texts, coherent then spliced for each pair. *error: why the
// file is incomplete, if it is.
void write_pairs(JsonlWriter* w, const std::vector<std::string>& texts, const EvalResult& r,
                 std::string* error) {
    for (size_t k = 0; 2 * k + 1 < texts.size(); ++k)
        for (const bool coherent : {true, false}) {
            const std::string side = coherent ? "coherent" : "spliced";
            const nlohmann::json rec = {
                {"id", "pair-" + std::to_string(k) + "-" + side},
                {"text", texts[2 * k + (coherent ? 0 : 1)]},
                {"side", side},
                {"pair", k},
                {"domain", r.domains[k]},
                {"cds", coherent ? r.coherent[k] : r.spliced[k]},
                {"lexical", coherent ? r.lexical_coherent[k] : r.lexical_spliced[k]}};
            if (!w->write_line(
                    rec.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))) {
                *error = w->error();
                return;
            }
        }
    if (!w->close()) *error = w->error();
}
} // namespace

bool evaluate_calculator(const EvalOptions& o, const std::function<void(int, int)>& progress,
                         EvalResult* res, std::string* error) {
    *res = EvalResult{}; // filled afresh, also when a result is reused
    const auto t0 = std::chrono::steady_clock::now();
    LadmParams p;
    if (!ladm_params_for(o, &p, error)) return false; // before reading any text
    auto tok = Tokenizer::from_dir(o.model_dir, error);
    if (!tok) return false;
    std::vector<std::pair<std::vector<int32_t>, std::vector<int32_t>>> pairs;
    std::vector<std::string> pair_domain;
    const auto docs = eval_documents(o, *tok); // read and tokenized once, for both uses
    Documents storage;
    if (!pairs_of(o, *tok, docs, controls_for(o, *tok, docs, &storage), &pairs, &pair_domain,
                  error))
        return false;
    // Opened before the pairs are scored, so a path that cannot be written fails at once.
    std::unique_ptr<JsonlWriter> pairs_out;
    if (!o.pairs_out.empty() && !(pairs_out = JsonlWriter::open(o.pairs_out, error))) return false;
    if (!evaluate_pairs(o, pairs, pair_domain, progress, res, error)) return false;
    // The model-free baseline on the same texts.
    std::vector<std::vector<Word>> words;
    DocumentFrequencies df;
    std::vector<std::string> texts; // decoded once, for the words and --write-pairs
    for (const auto& [c, s] : pairs)
        for (const auto* ids : {&c, &s})
            df.add(words.emplace_back(words_of(texts.emplace_back(tok->decode(*ids)))));
    for (size_t k = 0; k < pairs.size(); ++k) {
        res->lexical_coherent.push_back(
            lexical_dependency(words[2 * k], df, res->lexical_distance));
        res->lexical_spliced.push_back(
            lexical_dependency(words[2 * k + 1], df, res->lexical_distance));
    }
    res->lexical_auc = roc_auc(res->lexical_coherent, res->lexical_spliced);
    res->lexical_auc_per_domain =
        roc_auc_per_group(res->lexical_coherent, res->lexical_spliced, res->domains);
    if (pairs_out) // the scores are kept whatever the write does
        write_pairs(pairs_out.get(), texts, *res, &res->pairs_out_error);
    if (o.length_correlation && !score_lengths(o, *tok, p, docs, res, error)) return false;
    res->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return true;
}

nlohmann::json eval_record(const EvalOptions& o, const EvalResult& r) {
    struct Sums {
        double coherent = 0, spliced = 0;
        int n = 0;
    };
    std::map<std::string, Sums> sums;
    auto pairs = nlohmann::json::array();
    for (size_t k = 0; k < r.coherent.size(); ++k) {
        auto& s = sums[r.domains[k]];
        s.coherent += r.coherent[k];
        s.spliced += r.spliced[k];
        ++s.n;
        pairs.push_back(
            {{"domain", r.domains[k]}, {"coherent", r.coherent[k]}, {"spliced", r.spliced[k]}});
    }
    nlohmann::json means = nlohmann::json::object();
    for (const auto& [dom, s] : sums)
        means[dom] = {{"coherent", s.coherent / s.n}, {"spliced", s.spliced / s.n}};
    nlohmann::json out = {
        {"pairs", r.pairs},
        {"tokens", o.tokens},
        {"held_out_fraction", o.held_out_fraction},
        {"documents", o.training_documents ? "training" : "held-out"},
        {"query_scale", o.query_scale},
        {"attention", o.target_attention ? "training targets" : "model"},
        {"kind", o.kind.empty() ? nlohmann::json("all") : nlohmann::json(o.kind)},
        {"ascii_punct", o.ascii_punct},
        {"controls", o.unrelated_controls ? "spliced from documents of the other kinds"
                                          : "spliced from other documents of the same kind"},
        {"documents_of_kind",
         o.all_documents ? "all (a kind the model never saw)" : "the chosen side of the split"},
        {"auc", r.auc},
        {"auc_se", auc_standard_error(r.auc, r.coherent.size(), r.spliced.size())},
        {"auc_per_layer", r.auc_per_layer},
        {"pairs_per_domain", r.pairs_per_domain},
        {"auc_per_domain", r.auc_per_domain},
        {"mean_cds_coherent", r.mean_coherent},
        {"mean_cds_spliced", r.mean_spliced},
        {"mean_cds_per_domain", means},
        {"pair_scores", pairs},
        {"lexical_baseline",
         {{"definition", "IDF-weighted share of words whose previous occurrence lies more "
                         "than min_distance_chars characters back (IDF over the pairs)"},
          {"min_distance_chars", r.lexical_distance},
          {"auc", r.lexical_auc},
          {"auc_se",
           auc_standard_error(r.lexical_auc, r.lexical_coherent.size(), r.lexical_spliced.size())},
          {"auc_per_domain", r.lexical_auc_per_domain},
          {"coherent", r.lexical_coherent},
          {"spliced", r.lexical_spliced}}},
        {"ladm_params", ladm_params_record(o.params)}};
    if (o.length_correlation) {
        // Spearman of CDS against length within each kind, and over all documents
        std::map<std::string, std::pair<std::vector<double>, std::vector<double>>> by;
        for (size_t i = 0; i < r.length_cds.size(); ++i)
            for (const auto& key : {r.length_domains[i], std::string("(all)")}) {
                by[key].first.push_back(r.length_cds[i]);
                by[key].second.push_back(double(r.length_tokens[i]));
            }
        nlohmann::json per = nlohmann::json::object();
        for (const auto& [dom, xy] : by) {
            const double rho = spearman(xy.first, xy.second);
            per[dom] = {{"documents", xy.first.size()},
                        {"spearman", std::isfinite(rho) ? nlohmann::json(rho) : nlohmann::json()}};
        }
        out["cds_vs_length"] = {{"definition",
                                 "Spearman's rho of CDS against length in tokens (BOS included, "
                                 "cut at tokens), over every document of the evaluated side long "
                                 "enough to score; null below 3 documents"},
                                {"per_domain", per},
                                {"documents", nlohmann::json::array()}};
        for (size_t i = 0; i < r.length_cds.size(); ++i)
            out["cds_vs_length"]["documents"].push_back({{"domain", r.length_domains[i]},
                                                         {"tokens", r.length_tokens[i]},
                                                         {"cds", r.length_cds[i]}});
    }
    return out;
}

nlohmann::json ladm_params_record(const LadmParams& p) {
    return {{"span", p.span}, {"d_afs", p.d_afs}, {"d_cds", p.d_cds}};
}

} // namespace ladm
