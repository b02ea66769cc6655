// How well a calculator separates coherent long documents from spliced controls: for
// held-out documents (the same hash split as train-calculator), the first N tokens of a
// document versus a control of the same length made of pieces (< 512 tokens) of other
// held-out documents of its domain, each piece from a different document while there are
// unused ones; the ROC AUC of CDS (coherent should score higher).
#pragma once

#include "core/model/ladm_math.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace ladm {

struct EvalOptions {
    std::string model_dir;
    std::vector<std::string> text_files; // as in calculator_text_files()
    double held_out_fraction = 0.10;     // must match the training run's
    // The documents the pairs are made of: the held-out ones (the evaluation), or the
    // training ones (for choices made on the model, such as calibrate_query_scale's, so
    // the held-out documents stay unseen by every choice).
    bool training_documents = false;
    int pairs = 40;
    int tokens = 8192; // per sample (BOS included)
    // Only this kind of text (text_domain: Licenses, Changelogs, C-headers, Python, or a
    // folder); "" = every kind, taken in turn.
    std::string kind;
    // Typographic punctuation mapped to ASCII before tokenizing (ascii_punctuation): a score
    // that follows a text's quote style moves between the two runs.
    bool ascii_punct = false;
    std::vector<std::string> exclude_kinds; // kinds whose documents make no pairs
    // Pairs from every document, both sides of the split: for a kind the model was trained
    // without (train-calculator --leave-out), none of which it has seen.
    bool all_documents = false;
    LadmParams params;
    uint64_t seed = 1;
    double query_scale = 1.0; // EngineOptions::query_scale (a diagnostic of attention sharpness)
    // Score with the attention train-calculator's supervision asks for instead of the
    // model's (target_attention_cds, with the match_theta and domain_rarity recorded in
    // model_dir/config.json and the token frequencies of the training documents): what the
    // recipe would reach on these pairs if the model learnt its targets exactly.
    bool target_attention = false;
    // Also score every document of the chosen side (and kind) long enough for LADM, cut at
    // `tokens`, and correlate CDS with length within each kind (Spearman): a score that
    // mostly follows length would rank long documents first whatever they hold.
    bool length_correlation = false;
    // Controls spliced from documents of the *other* kinds of text (the chosen side of the
    // split, whatever --kind says), as a curator's unrelated sources would be; false: from
    // other documents of the coherent one's own kind, which share its vocabulary and
    // boilerplate (the harder test, and the one where word counting fails).
    bool unrelated_controls = false;
    // When set: every pair's two texts written to this .jsonl (.gz, .zst) file as records
    // {"id", "text", "side", "pair", "domain", "cds", "lexical"}, a corpus to score and
    // look at (ladm score, ladm show), to see what a pair's scores come from. Opened before
    // scoring (a bad path fails at once); a later write error goes to
    // EvalResult::pairs_out_error and the scores are kept.
    std::string pairs_out;
};

struct EvalResult {
    int pairs = 0;
    double auc = 0; // P(CDS coherent > CDS spliced), ties count half
    double mean_coherent = 0, mean_spliced = 0;
    std::vector<double> coherent, spliced;
    std::vector<std::vector<double>> coherent_layers, spliced_layers; // [pair][layer]
    std::vector<double> auc_per_layer; // the AUC of each layer's CDS alone
    std::vector<std::string> domains;  // [pair]
    std::map<std::string, int> pairs_per_domain;
    std::map<std::string, double> auc_per_domain; // the AUC within each domain's pairs
    // The model-free baseline on the same pairs (core/text/lexical.h): the IDF-weighted
    // share of words whose previous occurrence lies more than lexical_distance characters
    // back, IDF over the pairs' decoded texts. Filled by evaluate_calculator.
    int64_t lexical_distance = 3000;
    std::vector<double> lexical_coherent, lexical_spliced;
    double lexical_auc = 0;
    std::map<std::string, double> lexical_auc_per_domain;
    // With EvalOptions::length_correlation: each scored document's kind, length in tokens
    // (BOS included, at most `tokens`) and CDS.
    std::vector<std::string> length_domains;
    std::vector<int64_t> length_tokens;
    std::vector<double> length_cds;
    std::string pairs_out_error; // EvalOptions::pairs_out could not be written in full
    double seconds = 0;
};

// A control of `tokens` tokens spliced from pieces (64-511 tokens) of docs other than
// docs[exclude], each piece from a different document while there are unused ones
// (documents under 64 tokens are skipped). sources (optional) receives each piece's
// document. Empty when no other document is long enough.
std::vector<int32_t> spliced_control(const std::vector<std::vector<int32_t>>& docs, size_t exclude,
                                     int64_t tokens, std::mt19937_64& rng,
                                     std::vector<size_t>* sources = nullptr);
// The same over documents held elsewhere (exclude: an index into docs, or docs.size()).
std::vector<int32_t> spliced_control(const std::vector<const std::vector<int32_t>*>& docs,
                                     size_t exclude, int64_t tokens, std::mt19937_64& rng,
                                     std::vector<size_t>* sources = nullptr);

class Tokenizer;

// The evaluation pairs (coherent, spliced), BOS first, o.tokens tokens each, and each
// pair's domain, from the held-out documents (or the training ones, see EvalOptions). False with
// *error when there are none.
bool build_eval_pairs(const EvalOptions& o, const Tokenizer& tok,
                      std::vector<std::pair<std::vector<int32_t>, std::vector<int32_t>>>* pairs,
                      std::vector<std::string>* domains, std::string* error);

// The held-out share train-calculator recorded in dir/config.json (ladm_studio_training),
// so the evaluation uses the files that training left out; fallback when the checkpoint
// was not made by train-calculator.
double recorded_held_out_fraction(const std::string& dir, double fallback);
// The kinds train-calculator --leave-out kept out of the model in dir (config.json).
std::vector<std::string> recorded_leave_out(const std::string& dir);
// Whether the model in dir never trained on a document of `kind`: its config.json records
// --leave-out kind, or its training-sources.txt lists files and no training file of that
// kind (a model trained before the kind was added to the recipe). False when unknown.
bool model_never_saw(const std::string& dir, const std::string& kind);
// Whether eval-calculator --leave-out trains DIR first: it holds no model, or an unfinished
// run (DIR/train-state without DIR/training.json, which training resumes). A model without
// training.json (copied, or made elsewhere) is loaded as it is, never trained over.
bool leave_out_needs_training(const std::string& dir);

// The CDS (one layer) of attention that does exactly what train-calculator's supervision
// asks: each query i of a span puts match_weight[i] on every occurrence of its token
// before the span (after BOS) and 1 on BOS, normalised over the keys before the span.
double target_attention_cds(const std::vector<int32_t>& s, const std::vector<float>& match_weight,
                            const LadmParams& p);

// Mann-Whitney AUC of a (positives) over b (negatives).
double roc_auc(const std::vector<double>& pos, const std::vector<double>& neg);
// Hanley and McNeil's (1982) standard error of an AUC from n_pos and n_neg scores.
double auc_standard_error(double auc, size_t n_pos, size_t n_neg);

// roc_auc within each group of pairs: pair k is (pos[k], neg[k]) in group[k].
std::map<std::string, double> roc_auc_per_group(const std::vector<double>& pos,
                                                const std::vector<double>& neg,
                                                const std::vector<std::string>& group);

// The documents pairs are made of (the chosen side of the split, the kind, --ascii-punct
// applied), tokenized without BOS, by kind.
std::map<std::string, std::vector<std::vector<int32_t>>> eval_documents(const EvalOptions& o,
                                                                        const Tokenizer& tok);
// With o.unrelated_controls: the documents controls are spliced from — every kind's of the
// chosen side of the split (the held-out one also for a left-out kind's pairs), whatever
// o.kind; empty otherwise.
std::map<std::string, std::vector<std::vector<int32_t>>> control_documents(const EvalOptions& o,
                                                                           const Tokenizer& tok);

// Scores given pairs (from build_eval_pairs, with their domains) with o.model_dir at
// o.query_scale, using o.tokens and o.params: what evaluate_calculator does after building
// them, for callers that score the same pairs several times.
bool evaluate_pairs(const EvalOptions& o,
                    const std::vector<std::pair<std::vector<int32_t>, std::vector<int32_t>>>& pairs,
                    const std::vector<std::string>& domains,
                    const std::function<void(int done, int total)>& progress, EvalResult* result,
                    std::string* error);

bool evaluate_calculator(const EvalOptions& o,
                         const std::function<void(int done, int total)>& progress,
                         EvalResult* result, std::string* error);

// What eval-calculator prints: the options that made the pairs, the AUC overall, per layer
// and per domain, the mean CDS of each side (overall and per domain: a domain whose
// controls outscore another's coherent documents lowers the pooled AUC), and every pair's
// domain and two scores, for plotting or other statistics. No timings.
nlohmann::json eval_record(const EvalOptions& o, const EvalResult& r);

// {"span", "d_afs", "d_cds"}: the LADM parameters of an evaluation or calibration record.
nlohmann::json ladm_params_record(const LadmParams& p);

} // namespace ladm
