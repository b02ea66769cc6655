// ladm train-calculator --out DIR
#include "cli/args.h"
#include "train/calculator_train.h"
#include "train/cli/train_commands.h"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

namespace ladm::cli {

namespace {
const char* kHelp = R"(usage: ladm train-calculator --out DIR [options]

Trains a small Llama-architecture attention calculator on text Debian installs (licences,
Debian changelogs, C/C++ headers, Python sources; or --text FILE...), with a curriculum
of passages (natural text or random tokens) that recur later in the sequence — close
together during the first --copy-warmup of the steps, then across the whole sequence and
a PoSE-style position skip — and exports DIR as a Hugging Face checkpoint (config.json,
model.safetensors, tokenizer.model, tokenizer_config.json), refreshed at every saved
checkpoint. Re-running with the same DIR resumes from DIR/train-state.

  --steps N (350)  --seq-len N (1024)  --batch N (8)  --lr X (2e-3)  --seed N (1)
  --hidden N (256)  --layers N (4)  --heads N (4)  --kv-heads N (2)  --intermediate N (768)
  --vocab N (4096)  --max-positions N (16384)  --rope-theta X (1e7)  --copy-fraction X (0.5)
  --copy-warmup X (0.3)  --checkpoint-every N (100)
  --leave-out KIND: a kind of text (Licenses, Changelogs, C-headers, Python, Python-docs,
        Perl-docs, Git-docs, Info-manuals, or a --text folder) kept out of everything, for
        eval-calculator --leave-out KIND; repeatable
  --held-out F (0.10): share of the files kept out of training (a hash of the path), for
      the held-out loss and for eval-calculator, which reads it from DIR/config.json
  --long-steps N (250)  --long-seq-len N (4096)  --long-batch N (2): after --steps, a last
      phase at the lengths LADM reads, at the final learning rate; 0 steps = none
  --retrieval-weight X (1.0): weight of the long-range attention supervision: every
      head's attention beyond 64 tokens, renormalised with BOS (what LADM's span softmax
      sees), goes to earlier occurrences of the current token, weighted by its rarity,
      and otherwise to the BOS sink; 0 = plain language modelling
  --match-theta X (14): a token of frequency e^-X weighs as much as BOS in those targets
  --global-rarity: a token's frequency in those targets is over all the training text
      (default: within its kind of text — licences, changelogs, C headers, Python, else its
      folder — for kinds of 20 or more files, so what every file of a kind shares is
      common there, and retrieval means a document's own names in every kind alike)
  --punctuation-matches: byte-fallback pieces and pieces of only punctuation, symbols or
      whitespace are matches in those targets as their rarity says (default: never, and
      their matchers start weakest)
  --balance-kinds: training windows take each kind of text equally often, then a
      document of that kind long enough to fill the window alone where there is one
      (default: any file equally often, windows pieced together from whatever files come)
  --tokenizer-file-order: the tokenizer learns its pieces from the first 12 MB of the
      training files in their order, as the bundled model's did (default: 12 MB shared
      equally by the kinds of text); either way typographic punctuation gets its own pieces
  --context-factor X (32): in those targets, attention on far keys that are not matches
      counts X times, as in a context X times longer than the training sequences
  --match-init X (2.8): heads start as same-token matchers of this strength; 0 = random
  --no-rarity-init: matchers start equally strong for every token (default: in proportion
      to the token's -log frequency in the training text)
  --calibrate-scales LIST (1,1.125,1.25,1.5)  --calibrate-tokens LIST (4096,8192)
  --calibrate-pairs N (40): after training, the attention temperature: pairs of coherent
      and spliced *training* documents are scored with every attention logit multiplied
      by each scale, and the best (mean ROC AUC over the lengths) is folded into the
      exported query projections (see ladm calibrate-calculator); "none" = skip
  --threads N  --fp32 (export fp32 weights instead of bf16)  --text FILE (repeatable)
Writes DIR/training.json with the held-out loss (training forward, through the exported
checkpoint, and through the calibrated one), a unigram baseline and the calibration.
)";
}

int train_and_record(const TrainOptions& o, std::ostream* out) {
    TrainResult r;
    std::string err;
    const bool ok = train_calculator(
        o,
        [](const TrainProgress& p) {
            if (p.calibration_pairs > 0) {
                std::fprintf(stderr, "\rcalibrating the attention temperature: pair %d/%d%s",
                             p.calibrated_pairs, p.calibration_pairs,
                             p.calibrated_pairs == p.calibration_pairs ? "\n" : "");
                return true;
            }
            std::fprintf(
                stderr, "step %d/%d  %d tokens  loss %.4f  retrieval %.3f  %.0f tok/s  %.0f s\n",
                p.step, p.steps, p.seq_len, p.loss, p.retrieval_loss, p.tokens_per_s, p.seconds);
            return true;
        },
        &r, &err);
    if (!ok) {
        std::cerr << "ladm train-calculator: " << err << "\n";
        return kFailure;
    }
    nlohmann::json j = {{"steps", r.steps_done},
                        {"final_train_loss", r.final_loss},
                        {"held_out_loss", r.held_out_loss},
                        {"held_out_loss_engine", r.held_out_loss_engine},
                        {"unigram_loss", r.unigram_loss},
                        {"held_out_tokens", r.held_out_tokens},
                        {"text", r.tokenizer_sources},
                        {"seed", o.seed}};
    if (r.calibrated) {
        CalibrationOptions co = o.calibration;
        co.held_out_fraction = o.held_out_fraction;
        j["held_out_loss_calibrated"] = r.held_out_loss_calibrated;
        j["calibration"] = calibration_record(co, r.calibration);
    }
    std::ofstream(o.out_dir + "/training.json") << j.dump(2) << "\n";
    if (out) *out << j.dump(2) << "\n";
    return kOk;
}

int cmd_train_calculator(const std::vector<std::string>& argv) {
    Args a(argv,
           {"help", "fp32", "no-rarity-init", "global-rarity", "punctuation-matches",
            "balance-kinds", "tokenizer-file-order"},
           {"out",
            "steps",
            "seq-len",
            "batch",
            "lr",
            "seed",
            "hidden",
            "layers",
            "heads",
            "kv-heads",
            "intermediate",
            "vocab",
            "max-positions",
            "copy-fraction",
            "copy-warmup",
            "retrieval-weight",
            "match-theta",
            "match-init",
            "context-factor",
            "rope-theta",
            "threads",
            "text",
            "checkpoint-every",
            "long-steps",
            "long-seq-len",
            "long-batch",
            "held-out",
            "leave-out",
            "calibrate-scales",
            "calibrate-tokens",
            "calibrate-pairs"});
    if (a.flag("help")) {
        std::cout << kHelp;
        return kOk;
    }
    if (!a.ok() || !a.get("out")) {
        std::cerr << "ladm train-calculator: " << (a.ok() ? "--out DIR is required" : a.error())
                  << "\n";
        return kUsage;
    }
    TrainOptions o;
    o.out_dir = *a.get("out");
    try {
        auto i = [&](const char* k, int& v) {
            if (auto s = a.get(k)) v = std::stoi(*s);
        };
        i("steps", o.steps), i("seq-len", o.seq_len), i("batch", o.batch), i("hidden", o.hidden);
        i("layers", o.layers), i("heads", o.heads), i("kv-heads", o.kv_heads),
            i("intermediate", o.intermediate);
        i("vocab", o.vocab), i("max-positions", o.max_positions), i("threads", o.threads);
        i("checkpoint-every", o.checkpoint_every);
        i("long-steps", o.long_steps), i("long-seq-len", o.long_seq_len),
            i("long-batch", o.long_batch);
        if (auto s = a.get("lr")) o.lr = std::stod(*s);
        if (auto s = a.get("copy-fraction")) o.copy_fraction = std::stod(*s);
        if (auto s = a.get("copy-warmup")) o.copy_warmup = std::stod(*s);
        if (auto s = a.get("retrieval-weight")) o.retrieval_weight = std::stod(*s);
        if (auto s = a.get("match-theta")) o.match_theta = std::stod(*s);
        if (auto s = a.get("match-init")) o.match_init = std::stod(*s);
        if (auto s = a.get("context-factor")) o.context_factor = std::stod(*s);
        if (auto s = a.get("rope-theta")) o.rope_theta = std::stod(*s);
        if (auto s = a.get("held-out")) o.held_out_fraction = std::stod(*s);
        if (auto s = a.get("seed")) o.seed = std::stoull(*s);
        if (auto s = a.get("calibrate-scales"))
            o.calibration.scales = *s == "none" ? std::vector<double>{} : number_list(*s);
        if (auto s = a.get("calibrate-tokens")) {
            o.calibration.tokens.clear();
            for (double t : number_list(*s))
                o.calibration.tokens.push_back(int(t));
        }
        i("calibrate-pairs", o.calibration.pairs);
    } catch (...) {
        std::cerr << "ladm train-calculator: numeric options take numbers\n";
        return kUsage;
    }
    o.text_files = a.all("text");
    o.leave_out = a.all("leave-out");
    o.rarity_init = !a.flag("no-rarity-init");
    o.domain_rarity = !a.flag("global-rarity");
    o.skip_punctuation_matches = !a.flag("punctuation-matches");
    o.balance_kinds = a.flag("balance-kinds");
    o.tokenizer_by_kind = !a.flag("tokenizer-file-order");
    o.export_bf16 = !a.flag("fp32");
    return train_and_record(o, &std::cout);
}

} // namespace ladm::cli
