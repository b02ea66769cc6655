// The training curriculum of the bundled attention calculator: the sequences it reads
// (Batcher), the long-range attention targets (retrieval_targets, declared in
// calculator_train.h) and the default training text. Plain types; no libtorch.
#pragma once

#include "train/train_options.h"

#include <algorithm>
#include <cstdint>
#include <iosfwd>
#include <random>
#include <string>
#include <vector>

namespace ladm {

class Tokenizer;

// Builds training sequences: BOS, then either a plain window of text or a retrieval
// sequence — a passage (natural text, or random tokens that only copying can predict)
// that recurs 2-3 times among unrelated text — with a PoSE-style skip in the positions so
// distances up to max_positions are seen. Early in training (progress < copy_warmup) the
// repeats come close together, which is where induction heads form quickly; later the
// gaps span the whole sequence and the skip falls between two copies, so retrieval
// happens across the long distances LADM measures.
struct Batcher {
    const TrainOptions& o;
    const std::vector<std::vector<int32_t>>& docs;
    int32_t bos;
    int32_t vocab;
    // Each document's rarity class (see TrainOptions::domain_rarity), reported per token
    // by build(); tokens of no document (BOS, random passages) get kNoDomain.
    const std::vector<int32_t>* doc_domains = nullptr;
    static constexpr int32_t kNoDomain = -1;

    // The documents of each kind of text (TrainOptions::balance_kinds; see kind_groups):
    // when set, a kind is picked first, each equally often, then one of its documents.
    const std::vector<std::vector<size_t>>* kind_docs = nullptr;

    // A document of at least min_len tokens where one is found (64 tries), else any: with
    // kind_docs, all tries within one kind, picked first, so every kind keeps its share
    // and a kind without long documents fills a window with pieces of several documents.
    size_t doc(std::mt19937_64& rng, size_t min_len) const {
        const std::vector<size_t>* kind = nullptr;
        if (kind_docs && !kind_docs->empty()) kind = &(*kind_docs)[rng() % kind_docs->size()];
        auto any = [&] {
            return kind && !kind->empty() ? (*kind)[rng() % kind->size()] : rng() % docs.size();
        };
        for (int tries = 0; tries < 64; ++tries) {
            const size_t i = any();
            if (docs[i].size() >= min_len) return i;
        }
        return any();
    }
    // Appends n tokens of text (pieces of random documents) to out, and each one's
    // document's class to dom. With kind_docs, a document that holds all n tokens is
    // preferred (one coherent piece); without, any of 16 tokens or more.
    void take(std::mt19937_64& rng, std::vector<int32_t>* out, std::vector<int32_t>* dom,
              size_t n) const {
        while (n > 0) {
            const size_t i = doc(rng, kind_docs ? std::max<size_t>(16, n) : 16);
            const auto& d = docs[i];
            const size_t len = std::min(n, d.size());
            const size_t start = d.size() > len ? rng() % (d.size() - len + 1) : 0;
            out->insert(out->end(), d.begin() + long(start), d.begin() + long(start + len));
            dom->insert(dom->end(), len, doc_domains ? (*doc_domains)[i] : kNoDomain);
            n -= len;
        }
    }

    // progress: the fraction of training done (drives the gap curriculum).
    // seq (optional): the tokens, for the supervision targets; seq_domains (optional):
    // each token's document class.
    // T: the sequence length in tokens, BOS included.
    void build(std::mt19937_64& rng, int T, bool plain_only, double progress,
               std::vector<int64_t>* ids, std::vector<int64_t>* pos,
               std::vector<int32_t>* seq = nullptr,
               std::vector<int32_t>* seq_domains = nullptr) const;
};

// Document indices grouped by kind (kinds[i] is document i's text_domain), kinds in
// sorted order: Batcher::kind_docs.
std::vector<std::vector<size_t>> kind_groups(const std::vector<std::string>& kinds);

// Token frequencies of the training text and the retrieval targets' match weights
// (TrainOptions::match_theta, domain_rarity).
struct TokenRarity {
    std::vector<double> neg_log_freq; // -log frequency over all the text (add-one)
    // Each training document's rarity class (its kind of text when that kind has
    // kMinDomainDocuments files and domain_rarity is on), else Batcher::kNoDomain.
    std::vector<int32_t> doc_class;
    std::vector<std::string> class_names;
    // exp(-log frequency - match_theta) per class, then over all the text (the last row,
    // for kNoDomain)
    std::vector<std::vector<float>> weight;
    // Per token, its -log frequency averaged over its occurrences in the training text,
    // each in its class: what the targets ask of it on average (the matchers' start).
    std::vector<double> init_neg_log_freq;

    // match_weight for retrieval_targets: each token's weight in its class.
    std::vector<float> match_weights(const std::vector<int32_t>& seq,
                                     const std::vector<int32_t>& seq_class) const;
};

// docs: the training documents' tokens, kinds: their text_domain. Tokens flagged in
// never_match (when not empty; see never_match_tokens) get match weight 0 in every class
// and the weakest matcher start (init_neg_log_freq 0).
TokenRarity token_rarity(const TrainOptions& o, const std::vector<std::vector<int32_t>>& docs,
                         const std::vector<std::string>& kinds, int32_t vocab,
                         const std::vector<uint8_t>& never_match = {});

// The tokenizer's training text, at most `bytes` of it: pieces of up to 4,000 bytes cut on
// whole characters, one "sentence" a line with the newlines made spaces. by_kind false:
// from the documents in their order until the budget is spent (the bundled model's
// tokenizer: mostly changelogs, some C headers); true: each kind (kinds[i] is docs[i]'s)
// gets an equal share, so every kind has pieces whatever the order of the files.
void write_tokenizer_input(std::ostream& out, const std::vector<std::string>& docs,
                           const std::vector<std::string>& kinds, bool by_kind, size_t bytes);

// Characters the calculator's tokenizer always has pieces for (spm_train --required_chars):
// typographic punctuation and the commonest accented Latin letters, so a book's curly
// quotes, dashes and names are one piece each rather than two or three byte-fallback ones.
inline constexpr const char* kTypographicChars =
    "\u201C\u201D\u2018\u2019\u2014\u2013\u2026\u00AB\u00BB\u201E\u2022\u00B7\u00B0"
    "\u00A7\u00A9\u00D7\u00E9\u00E8\u00EA\u00E0\u00E2\u00E4\u00E1\u00E7\u00F4\u00F6"
    "\u00F3\u00FC\u00FA\u00EE\u00EF\u00ED\u00F1\u00DF\u00E6\u00F8\u00E5\u00C9";

// Only vocabularies of this size have room for them beside the 256 byte pieces.
constexpr int kTypographicMinVocab = 512;

// Per token id: 1 for tokens that are never retrieval matches (TrainOptions::
// skip_punctuation_matches): byte-fallback pieces, BOS/EOS, and pieces whose text is only
// whitespace, punctuation, symbols or control characters (Unicode categories Z*, P*, S*,
// Cc). A curly quote the vocabulary lacks is three byte-fallback pieces; without this,
// their rarity made a book's quote style look like long-range dependency.
std::vector<uint8_t> never_match_tokens(const Tokenizer& tok);

// Training files of one kind needed for its own token frequencies (domain_rarity).
constexpr int kMinDomainDocuments = 20;

// The kind of text a file holds: Licenses, Changelogs, C-headers, Python (the demo corpus'
// domains), Python-docs, Perl-docs, Git-docs, Info-manuals; other files: their folder.
// The domains of eval-calculator's pairs, and of domain_rarity.
std::string text_domain(const std::string& path);

// The default training text, sorted: licences, Debian changelogs, C/C++ headers and Python
// sources (the demo corpus' domains), and long prose: the Python documentation's reST
// sources (python3.11-doc), Perl's pods (perl-doc), Git's manuals (git-doc) and the info
// manuals in /usr/share/info.
std::vector<std::string> default_training_files();

// The files train-calculator and eval-calculator read: `given` (--text), or
// default_training_files() when empty, with one copy of each content (unique_content), so
// no held-out document has a copy in training and no control is spliced from two copies.
std::vector<std::string> calculator_text_files(const std::vector<std::string>& given);

// The train / held-out split both use: a hash of the path, so a file stays on its side
// whatever other files there are, and a smaller share's held-out files are within a
// larger one's.
bool is_held_out(const std::string& path, double held_out_fraction);
// Whether the file's kind (text_domain) is one of `kinds` (train-calculator --leave-out).
bool is_left_out(const std::string& path, const std::vector<std::string>& kinds);

// The long-range attention targets for one training sequence s (BOS first): out is
// row-major [T x T], zeroed by the caller. Row i puts weight match_weight[i] on every
// position j >= 1 more than `local` tokens back holding the same token, and 1 on the BOS
// at 0, normalised to sum to 1: a rare name used again draws attention back to where it
// appeared, common tokens stay on the sink. In training match_weight[i] = exp(-log
// frequency(s[i]) - match_theta), the frequency within the text's kind (domain_rarity).
void retrieval_targets(const std::vector<int32_t>& s, const std::vector<float>& match_weight,
                       int64_t local, float* out);

// The attention supervision for one query (exposed for tests): scores are a head's
// pre-softmax scores over the keys, target that query's row of retrieval_targets, weight
// each key's weight in the normaliser (1 for far keys and BOS, context_factor for far keys
// that are not targets, 0 for keys the supervision ignores). Returns the cross-entropy of
// target against the renormalised attention; grad (if given) gets d ce / d scores.
double far_attention_ce(const std::vector<float>& scores, const std::vector<float>& target,
                        const std::vector<float>& weight, std::vector<float>* grad);

} // namespace ladm
