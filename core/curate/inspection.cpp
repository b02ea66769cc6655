#include "core/curate/inspection.h"

#include "core/model/ladm_math.h"
#include "core/store/run_params.h"
#include "core/text/utf8.h"

#include <algorithm>

namespace ladm {

int64_t StoredWindows::begin(int64_t w) const {
    return std::max<int64_t>(0, tokens - (windows - w) * span);
}

int64_t StoredWindows::end(int64_t w) const {
    const int64_t b = begin(w);
    return w + 1 < windows ? std::min(begin(w + 1), b + span) : b + span;
}

std::vector<Dependency> strongest_dependencies(const std::vector<int64_t>& span_starts,
                                               const std::vector<float>& span_mass,
                                               const StoredWindows& grid, size_t top,
                                               int64_t only_span) {
    std::vector<Dependency> deps;
    const size_t W = size_t(std::max<int64_t>(grid.windows, 0));
    for (size_t i = 0; i < span_starts.size(); ++i) {
        if (only_span >= 0 && i != size_t(only_span)) continue;
        const int64_t t = span_starts[i];
        for (size_t w = 0; w < W && (i + 1) * W <= span_mass.size(); ++w) {
            const int64_t kb = grid.begin(int64_t(w));
            if (!distant_window(kb, t, grid.span)) continue;
            const float m = span_mass[i * W + w];
            if (m > 0) deps.push_back({i, t, t + grid.span, kb, grid.end(int64_t(w)), m});
        }
    }
    std::stable_sort(deps.begin(), deps.end(),
                     [](const Dependency& a, const Dependency& b) { return a.mass > b.mass; });
    if (deps.size() > top) deps.resize(top);
    return deps;
}

std::string token_range_text(const Encoding& enc, int64_t b, int64_t e) {
    const int64_t n = int64_t(std::min(enc.ids.size(), enc.offsets.size()));
    b = std::clamp<int64_t>(b, 0, n);
    e = std::clamp<int64_t>(e, b, n);
    if (b == e) return {};
    const utf8::CharIndex idx(enc.text);
    const size_t bb = idx.byte_of_char(enc.offsets[size_t(b)].first);
    const size_t be = idx.byte_of_char(enc.offsets[size_t(e - 1)].second);
    return be > bb ? enc.text.substr(bb, be - bb) : std::string();
}

bool inspect_sample(Cache& cache, const Tokenizer* tok, int64_t run, int64_t sample_id,
                    SampleEvidence* out, std::string* error) {
    auto sample = cache.sample(sample_id);
    if (!sample) {
        *error = "no sample " + std::to_string(sample_id) + " in " + cache.path();
        return false;
    }
    SampleEvidence& ev = *out;
    ev = SampleEvidence{};
    ev.sample = *sample;
    ev.status = kPendingStatus;
    if (run > 0) {
        ev.params = run_params(cache, run);
        if (auto res = cache.result(run, sample_id)) {
            ev.status = res->status;
            ev.error = res->error;
            ev.cds = res->cds;
            ev.has_cds = res->has_cds;
            ev.scores = std::move(res->scores);
            ev.tokens = res->tokens;
            ev.tokens_scored = res->tokens_scored;
            ev.grid = StoredWindows{res->tokens_scored, res->windows, ev.params.span};
            ev.span_starts = std::move(res->span_starts);
            ev.afs = std::move(res->afs);
            ev.span_mass = std::move(res->span_mass);
        }
    }
    Sample s;
    std::string err;
    const auto points = cache.access_points(sample->loc.file);
    if (!CorpusReader::read_at(sample->loc, CorpusOptions{}, &s, &err, &points)) {
        ev.text_error = err;
        return true;
    }
    if (tok && !s.pretokenized) {
        ev.encoding = tok->encode(s.text, true);
        if (!ev.encoding.error.empty()) {
            ev.text_error = "the tokenizer cannot encode this text: " + ev.encoding.error;
            ev.text = s.text;
            return true;
        }
        ev.text = ev.encoding.text;
    } else {
        ev.text = s.text;
    }
    return true;
}

} // namespace ladm
