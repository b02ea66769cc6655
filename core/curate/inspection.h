// One sample's evidence, for `ladm show` and the desktop app's sample view: where the
// C-windows of a stored result lie, which earlier windows its query spans attend to most,
// and the text of a token range.
#pragma once

#include "core/model/ladm_math.h"
#include "core/store/cache.h"
#include "core/text/tokenizer.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace ladm {

// The window grid of a stored result (see WindowGrid): windows of C tokens anchored at the
// scored length L, window w ending at L - (W - 1 - w) * C, the first one partial when C
// does not divide L.
struct StoredWindows {
    int64_t tokens = 0;  // L
    int64_t windows = 0; // W
    int span = 0;        // C
    int64_t begin(int64_t w) const;
    // The end of window w's key range as shown: the next window's begin, at most C on.
    int64_t end(int64_t w) const;
};

struct Dependency {
    size_t span_index = 0; // into span_starts
    int64_t query_begin = 0, query_end = 0;
    int64_t key_begin = 0, key_end = 0;
    float mass = 0; // of the query span's attention on the window (layer and head mean)
    int64_t distance() const { return query_begin - key_begin; }
};

// The strongest distant dependencies (distant_window: neither the BOS sink window nor the
// span's neighbours), strongest first, at most `top`. span_mass is row-major
// [span_starts.size() x windows]; only_span >= 0 limits them to that query span.
std::vector<Dependency> strongest_dependencies(const std::vector<int64_t>& span_starts,
                                               const std::vector<float>& span_mass,
                                               const StoredWindows& grid, size_t top,
                                               int64_t only_span = -1);

// The text of tokens [b, e) of an encoding ("" when out of range or empty).
std::string token_range_text(const Encoding& enc, int64_t b, int64_t e);

// What a front end shows of one sample: its text (with a tokenizer: the encoded text and its
// tokens), and when the run has scored it, the stored result. A pending sample has status
// kPendingStatus and its text only.
struct SampleEvidence {
    IndexedSample sample;
    std::string status, error; // error: the stored result's
    std::string text_error;    // why the text cannot be shown (unreadable, not encodable)
    std::string text;          // the tokenizer's (repaired) text, or the record's
    Encoding encoding;         // empty without a tokenizer or for pre-tokenised records
    double cds = 0;
    int64_t tokens = 0, tokens_scored = 0;
    LadmParams params;
    StoredWindows grid;
    std::vector<int64_t> span_starts;
    std::vector<float> afs, span_mass;    // span_mass: [span_starts x grid.windows]
    std::map<std::string, double> scores; // the run's other scores and surface features
    bool has_cds = true;                  // false: the run did not compute CDS
    bool scored() const { return status == "ok"; }
};

// Reads sample `sample_id` from the cache and its input file; `run` 0 = text only. false +
// *error when the sample is unknown; a text that cannot be read or encoded gives true with
// text_error set (the stored result is still shown).
bool inspect_sample(Cache& cache, const Tokenizer* tok, int64_t run, int64_t sample_id,
                    SampleEvidence* out, std::string* error);

} // namespace ladm
