// ladm eval-calculator --model DIR
#include "cli/args.h"
#include "train/calculator_eval.h"
#include "train/cli/train_commands.h"

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

namespace ladm::cli {

namespace {
const char* kHelp =
    R"(usage: ladm eval-calculator --model DIR [--pairs N] [--tokens N] [--span C] [--seed N]
                            [--held-out F] [--query-scale X] [--training-documents]
                            [--target-attention] [--kind KIND | --leave-out KIND]
                            [--controls same-kind|other-kinds] [--ascii-punct]
                            [--lengths] [--write-pairs FILE] [--text FILE]...

Scores held-out documents (the hash split train-calculator used: --held-out defaults to
the share recorded in DIR/config.json by train-calculator, else 0.10)
against spliced controls of the same length (pieces < 512 tokens from other held-out
documents of the domain, one piece per document while there are unused ones) and prints
the ROC AUC of CDS as JSON, overall, per layer and per domain (coherent should score
higher; 0.5 is chance), the mean CDS of each side per domain, and every pair's domain and
two scores ("pair_scores"). Defaults: 40 pairs of 8192 tokens, C = 128, d_afs = d_cds = 4.
--query-scale X: multiply every attention logit of the model by X (its query projections;
the files are not changed), to see whether sharper (> 1) or softer (< 1) attention would
separate the pairs better (on a calibrated model, on top of its calibration).
--training-documents: pairs from the training documents instead (as calibrate-calculator
uses; not an evaluation).
--target-attention: score the pairs with the attention train-calculator's supervision
asks for (each query on earlier occurrences of its token, weighted by rarity, else BOS;
the recipe recorded in DIR/config.json) instead of the model's: the recipe's ceiling.
--kind KIND: pairs of that kind of text only (Licenses, Changelogs, C-headers, Python,
Python-docs, Perl-docs, Git-docs, Info-manuals, or the folder of --text files).
--leave-out KIND: pairs of KIND from all its documents, for a model that never saw KIND
(DIR/config.json records train-calculator --leave-out KIND, or DIR/training-sources.txt
lists no training file of KIND): how the model does on a kind of text it never saw.
When DIR holds no model, or an unfinished run (DIR/train-state without
DIR/training.json), one is trained first with the default recipe and --leave-out KIND
(about as long as train-calculator; resumed from DIR/train-state when stopped); a model
without training.json is loaded as it is.
--controls other-kinds: controls spliced from held-out documents of the other kinds
instead (unrelated sources, as in a curator's mixed corpus); same-kind (the default)
shares the coherent document's vocabulary and boilerplate and is the harder test.
--ascii-punct: typographic quotes, dashes, ellipses and Unicode spaces as ASCII before
tokenizing; run with and without it to see whether CDS follows a text's quote style.
--lengths: also score every document of the evaluated side (and kind) long enough for
LADM, cut at --tokens, and print Spearman's rho of CDS against length within each kind
("cds_vs_length"): whether the score mostly follows length.
--write-pairs FILE: both texts of every pair to FILE (.jsonl, .jsonl.gz or .jsonl.zst),
one record each: id (pair-K-coherent, pair-K-spliced), text, side, pair, domain, cds and
lexical (the two scores printed). To see what a pair's far attention joins, score it
(ladm score --model DIR --domain-key domain --cache DB FILE) and run ladm show ID --cache
DB --model DIR, or open it in the app; re-tokenized, a text can differ by a few tokens
from the pair, and its CDS slightly.
"lexical_baseline" is a model-free score on the same pairs: the IDF-weighted share of
words whose previous occurrence lies more than 3,000 characters back. "auc_se" is the
Hanley-McNeil standard error.
)";
} // namespace

int cmd_eval_calculator(const std::vector<std::string>& argv) {
    Args a(argv, {"help", "training-documents", "target-attention", "ascii-punct", "lengths"},
           {"model", "pairs", "tokens", "span", "seed", "held-out", "text", "query-scale", "kind",
            "leave-out", "controls", "write-pairs"});
    if (a.flag("help")) {
        std::cout << kHelp;
        return kOk;
    }
    if (!a.ok() || !a.get("model")) {
        std::cerr << "ladm eval-calculator: " << (a.ok() ? "--model DIR is required" : a.error())
                  << "\n";
        return kUsage;
    }
    EvalOptions o;
    o.model_dir = *a.get("model");
    o.text_files = a.all("text");
    o.training_documents = a.flag("training-documents");
    o.target_attention = a.flag("target-attention");
    o.ascii_punct = a.flag("ascii-punct");
    o.length_correlation = a.flag("lengths");
    if (auto k = a.get("kind")) o.kind = *k;
    if (auto w = a.get("write-pairs")) o.pairs_out = *w;
    if (auto c = a.get("controls")) {
        if (*c != "same-kind" && *c != "other-kinds") {
            std::cerr << "ladm eval-calculator: --controls takes same-kind or other-kinds, not '"
                      << *c << "'\n";
            return kUsage;
        }
        o.unrelated_controls = *c == "other-kinds";
    }
    try {
        if (auto v = a.get("pairs")) o.pairs = std::stoi(*v);
        if (auto v = a.get("tokens")) o.tokens = std::stoi(*v);
        if (auto v = a.get("span")) o.params.span = std::stoi(*v);
        if (auto v = a.get("seed")) o.seed = std::stoull(*v);
        if (auto v = a.get("query-scale")) o.query_scale = std::stod(*v);
        if (auto v = a.get("held-out"))
            o.held_out_fraction = std::stod(*v);
        else
            o.held_out_fraction = recorded_held_out_fraction(o.model_dir, o.held_out_fraction);
    } catch (...) {
        std::cerr << "ladm eval-calculator: numeric options take numbers\n";
        return kUsage;
    }
    if (auto k = a.get("leave-out")) {
        if (leave_out_needs_training(o.model_dir)) {
            std::cerr << "ladm eval-calculator: no finished model in " << o.model_dir
                      << "; training one without " << *k << " (ladm train-calculator --out "
                      << o.model_dir << " --leave-out " << *k << ")\n";
            TrainOptions t;
            t.out_dir = o.model_dir;
            t.text_files = o.text_files;
            t.leave_out = {*k};
            if (int rc = train_and_record(t, nullptr); rc != kOk) return rc;
            if (!a.get("held-out"))
                o.held_out_fraction = recorded_held_out_fraction(o.model_dir, o.held_out_fraction);
        }
        if (!model_never_saw(o.model_dir, *k)) {
            std::cerr << "ladm eval-calculator: the model in " << o.model_dir
                      << " was not trained without " << *k
                      << " (its config.json records no --leave-out " << *k
                      << " and its training-sources.txt lists " << *k
                      << " training files, or is missing); train one with ladm "
                         "train-calculator --leave-out "
                      << *k << "\n";
            return kFailure;
        }
        o.kind = *k;
        o.all_documents = true;
    }
    EvalResult r;
    std::string err;
    bool progress_shown = false; // a progress line is open on stderr and needs its newline
    const bool ok = evaluate_calculator(
        o,
        [&progress_shown](int d, int n) {
            std::fprintf(stderr, "\rpair %d/%d", d, n);
            progress_shown = true;
        },
        &r, &err);
    if (progress_shown) std::fprintf(stderr, "\n");
    if (!ok) {
        std::cerr << "ladm eval-calculator: " << err << "\n";
        return kFailure;
    }
    nlohmann::json j = eval_record(o, r);
    j["seconds"] = r.seconds;
    std::cout << j.dump(2) << "\n";
    if (!r.pairs_out_error.empty()) {
        std::cerr << "ladm eval-calculator: --write-pairs: " << r.pairs_out_error << "\n";
        return kFailure;
    }
    return kOk;
}

} // namespace ladm::cli
