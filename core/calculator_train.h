// Training the bundled attention calculator: a small Llama-architecture model, trained by
// this project's own code on text Debian installs, with a curriculum that rewards
// retrieval (passages, or random tokens, that recur later) and long positions (PoSE-style skips),
// exported as a Hugging Face folder the engine loads like any user checkpoint.
//
//   ladm::TrainOptions o;               // defaults: the bundled calculator's recipe
//   o.out_dir = "resources/calculator";
//   ladm::train_calculator(o, progress, &err);   // resumes from out_dir/train-state
//
// Plain types only; libtorch stays in calculator_train.cpp.
#pragma once

#include "core/calculator_calibrate.h"

#include <cstdint>
#include <functional>
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

struct TrainResult {
    int steps_done = 0;
    double final_loss = 0;
    double held_out_loss = 0;        // nats/token on held-out documents (training forward)
    double held_out_loss_engine = 0; // same batch through the exported checkpoint + Engine
    double unigram_loss = 0;         // held-out unigram baseline, nats/token
    int64_t held_out_tokens = 0;     // predicted tokens those losses average over
    bool calibrated = false;         // TrainOptions::calibration ran
    CalibrationResult calibration;
    double held_out_loss_calibrated = 0; // through the calibrated checkpoint + Engine
    std::string tokenizer_sources;       // what the text came from
};

// Trains (or resumes) and exports out_dir/{config.json, model.safetensors, tokenizer.model,
// tokenizer_config.json}. progress may return false to stop early (state is saved).
bool train_calculator(const TrainOptions& o,
                      const std::function<bool(const TrainProgress&)>& progress,
                      TrainResult* result, std::string* error);

// The long-range attention targets for one training sequence s (BOS first): out is
// row-major [T x T], zeroed by the caller. Row i puts weight match_weight[i] on every
// position j >= 1 more than `local` tokens back holding the same token, and 1 on the BOS
// at 0, normalised to sum to 1: a rare name used again draws attention back to where it
// appeared, common tokens stay on the sink. In training match_weight[i] = exp(-log
// frequency(s[i]) - match_theta), the frequency within the text's kind (domain_rarity).
void retrieval_targets(const std::vector<int32_t>& s, const std::vector<float>& match_weight,
                       int64_t local, float* out);

// Training files of one kind needed for its own token frequencies (domain_rarity).
constexpr int kMinDomainDocuments = 20;

// The kind of text a file holds, as in the demo corpus (Licenses, Changelogs, C-headers,
// Python); other files: their folder. The domains of eval-calculator's pairs, and of
// domain_rarity.
std::string text_domain(const std::string& path);

// Why `o` cannot be trained (a size, count or fraction out of range, named with its value),
// or empty. train_calculator refuses such options before reading any text.
std::string invalid_train_options(const TrainOptions& o);

// The attention supervision for one query (exposed for tests): scores are a head's
// pre-softmax scores over the keys, target that query's row of retrieval_targets, weight
// each key's weight in the normaliser (1 for far keys and BOS, context_factor for far keys
// that are not targets, 0 for keys the supervision ignores). Returns the cross-entropy of
// target against the renormalised attention; grad (if given) gets d ce / d scores.
double far_attention_ce(const std::vector<float>& scores, const std::vector<float>& target,
                        const std::vector<float>& weight, std::vector<float>* grad);

// The default training text: licences, Debian changelogs, C/C++ headers and Python sources
// (the demo corpus' domains), sorted.
std::vector<std::string> default_training_files();

// The files train-calculator and eval-calculator read: `given` (--text), or
// default_training_files() when empty, with one copy of each content (unique_content), so
// no held-out document has a copy in training and no control is spliced from two copies.
std::vector<std::string> calculator_text_files(const std::vector<std::string>& given);

// The train / held-out split both use: a hash of the path, so a file stays on its side
// whatever other files there are, and a smaller share's held-out files are within a
// larger one's.
bool is_held_out(const std::string& path, double held_out_fraction);

} // namespace ladm
