// The trainer's options and progress report: the bottom of train/, included by every
// part of the recipe (curriculum, network, export, evaluation) and by the CLI.
#pragma once

#include "train/calculator_calibrate.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ladm {

struct TrainOptions {
    std::string out_dir;
    std::vector<std::string> text_files; // training text; empty = Debian sources (see .cpp)
    int vocab = 4096;                    // SentencePiece BPE vocabulary
    int hidden = 256, layers = 4, heads = 4, kv_heads = 2, intermediate = 768;
    // RoPE base: 1e7 leaves 13 of 32 frequency pairs turning less than a quarter turn over
    // 16K positions — the dimensions a head matches content with at any distance.
    double rope_theta = 1e7;
    int max_positions = 16384; // positions trained through PoSE skips
    int seq_len = 1024, batch = 8;
    int steps = 350;
    // Then a last phase at the lengths LADM reads: long_steps more steps of long_batch
    // sequences of long_seq_len tokens, at the schedule's final learning rate, so attention
    // is trained with as many distractor keys as it meets when scoring. 0 = none.
    int long_steps = 250, long_seq_len = 4096, long_batch = 2;
    double lr = 2e-3, weight_decay = 0.1;
    int warmup = 100;
    double copy_fraction = 0.5; // sequences with a passage that recurs later
    double copy_warmup = 0.3;   // fraction of steps with the repeats close together
    // Weight of the long-range attention supervision: for every head, the attention on
    // keys more than 64 tokens back, renormalised with the BOS sink's (what LADM's span
    // softmax sees), is taught to go to the earlier occurrences of the current token,
    // each weighted by the token's rarity, and otherwise to the BOS sink: far attention
    // means retrieval, never noise. Within 64 tokens heads are free. 0 = off.
    double retrieval_weight = 1.0;
    // A token of frequency e^-match_theta draws as much of that attention to each earlier
    // occurrence as the BOS sink gets (rarer: more, commoner: less).
    double match_theta = 14.0;
    // Frequency measured within the kind of text the token was read in (text_domain of its
    // file: licences, changelogs, C headers, Python, or the folder), for kinds of at least
    // kMinDomainDocuments training files; otherwise over all the text. What a header has
    // in common with every other header (include guards, __THROW) is then common, and
    // retrieval means the document's own names in every kind of text alike, so CDS has one
    // scale across domains. false = over all the text for every token.
    bool domain_rarity = true;
    // Byte-fallback pieces and pieces of only whitespace, punctuation and symbols are never
    // matches in those targets and start as the weakest matchers (never_match_tokens): a far
    // repeat of a quote mark, or of one byte of a character the vocabulary lacks, says
    // nothing about a document's coherence. false = rarity alone decides (recipes before
    // 2026-12).
    bool skip_punctuation_matches = true;
    // How training sequences pick their text. true: each kind of text (text_domain) equally
    // often, then a document of that kind, preferring one long enough to fill the window
    // alone. false (default): any file equally often, windows pieced from whatever files
    // come. The balanced run of 2026-12-04 did worse on training-side pairs (calibration
    // 0.68 against 0.77, with fewer steps) and on held-out ones, so it is not the default.
    bool balance_kinds = false;
    // What the tokenizer learns its pieces from (write_tokenizer_input): true (default),
    // 12 MB shared equally by the kinds of text; false, the first 12 MB of the training
    // files in their order, as for the bundled model (mostly changelogs). For the bundled
    // recipe's four kinds the two measured alike (training-side calibration 0.71 / 0.76,
    // held-out 0.77 / 0.78; docs/calculator-history.md).
    bool tokenizer_by_kind = true;
    // That loss counts attention on far keys that are not targets this many times over, as
    // in a context this many times longer than seq_len (32 x 1,024: LADM's default max_len of
    // 32,768 tokens); in the long phase, scaled down to keep the same simulated context (at
    // least 1).
    double context_factor = 32.0;
    // Heads start as same-token matchers of this strength (see init_matchers); 0 = plain
    // random initialisation.
    double match_init = 2.8;
    // Matchers start with a strength proportional to the token's -log frequency (see
    // init_matchers); false = the same strength for every token.
    bool rarity_init = true;
    uint64_t seed = 1;
    int checkpoint_every = 100; // steps
    bool export_bf16 = true;    // weights on disk (the engine computes in fp32)
    // Files kept out of training (by a hash of the path) for the held-out loss and for
    // eval-calculator, whose 8,192-token controls need ~28 held-out documents per domain.
    double held_out_fraction = 0.10;
    // Kinds of text (text_domain) kept out of everything: tokenizer, training, held-out
    // loss, rarity and calibration, so eval-calculator --leave-out KIND measures a kind the
    // model never saw. Recorded in config.json.
    std::vector<std::string> leave_out;
    // After training: the attention temperature, chosen on training documents and folded
    // into the exported query projections (see calculator_calibrate.h; model_dir,
    // text_files and held_out_fraction are taken from these options). No scales = none.
    CalibrationOptions calibration;
    int threads = 0;
};

struct TrainProgress {
    int step = 0, steps = 0;
    int seq_len = 0;           // tokens per sequence at this step (the long phase's are longer)
    double loss = 0;           // mean over the last logging window, nats/token
    double retrieval_loss = 0; // the attention supervision's, same window
    double tokens_per_s = 0;
    double seconds = 0;
    // After the last step, while the calibration scores its pairs (step == steps then).
    int calibrated_pairs = 0, calibration_pairs = 0;
};

// The held-out loss is measured on this many sequences of seq_len tokens, drawn from the
// held-out files with a fixed generator: the same tokens for every seed.
constexpr int kHeldOutSequences = 64;

} // namespace ladm
