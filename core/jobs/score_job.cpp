#include "core/jobs/score_job.h"

#include "core/text/lexical.h"
#include "core/text/surface.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <fstream>
#include <nlohmann/json.hpp>

namespace ladm {

const char* const kCodeVersion = "ladm-studio-engine-1";

int shard_of(const std::string& id, int n) {
    uint64_t h = 1469598103934665603ull;
    for (unsigned char c : id)
        h = (h ^ c) * 1099511628211ull;
    return int(h % uint64_t(n));
}

namespace {
// One sample through the tokenizer and the engine. What goes wrong here (text the
// tokenizer gives up on, not enough memory for a huge record) fails this sample with its
// reason; the run goes on. *tokens: the sample's length in tokens (0 if not tokenised).
// *features gets the token features (characters per token, byte-fallback share).
ScoreResult score_sample(Engine& engine, const Tokenizer& tok, const Sample& s,
                         const LadmParams& params, const ScoreOptions& so,
                         const std::vector<uint8_t>& byte_fallback, int64_t* tokens,
                         std::map<std::string, double>* features) {
    ScoreResult failed;
    failed.status = ScoreStatus::Error;
    try {
        if (s.pretokenized) {
            *tokens = int64_t(s.input_ids.size());
            return engine.score(s.input_ids, params, so);
        }
        Encoding enc = tok.encode(s.text, true);
        if (!enc.error.empty()) {
            failed.error = "tokenization failed: " + enc.error;
            return failed;
        }
        *tokens = int64_t(enc.ids.size());
        const std::vector<int32_t> ids = std::move(enc.ids);
        enc = Encoding{}; // the offsets and text copy are not needed while scoring
        features->merge(token_features(s.chars, ids, byte_fallback));
        return engine.score(ids, params, so);
    } catch (const std::bad_alloc&) {
        failed.error = "out of memory for a sample of " + std::to_string(s.text.size()) +
                       " bytes (" + std::to_string(*tokens) + " tokens)";
    } catch (const std::exception& e) {
        failed.error = std::string("scoring failed: ") + e.what();
    }
    return failed;
}
// A corpus reader whose files are registered in the cache (a changed file loses its samples
// and their results) and whose compressed inputs get access points, so the app and `ladm
// show` open a sample of a big shard without decompressing it from the start.
class RegisteredReader {
  public:
    RegisteredReader(Cache& cache, const std::function<void(const Problem&)>& on_problem)
        : m_cache(cache)
        , m_on_problem(on_problem) {}
    RegisteredReader(const RegisteredReader&) = delete;
    RegisteredReader& operator=(const RegisteredReader&) = delete;

    bool open(const std::vector<std::string>& inputs, const CorpusOptions& corpus,
              std::string* error) {
        reader = CorpusReader::open(inputs, corpus, error);
        if (!reader) return false;
        reader->on_problem = m_on_problem;
        reader->on_file = [this](const std::string& path) {
            FileInfo fi;
            int64_t inval = 0;
            std::string err;
            if (!stat_file(path, &fi, &err)) {
                reader->report(ProblemKind::Unreadable, path, 0, err);
                return false;
            }
            if (!m_cache.register_file(fi, &file_id, &inval, &file_error))
                return false; // cache broken: fatal
            invalidated += inval;
            return true;
        };
        reader->index_spacing = kAccessPointSpacing;
        reader->on_file_indexed = [this](const std::string&, const std::vector<AccessPoint>& pts) {
            std::string err;
            if (file_error.empty() && !m_cache.put_access_points(file_id, pts, &err))
                file_error = err;
        };
        return true;
    }

    std::unique_ptr<CorpusReader> reader;
    int64_t file_id = 0, invalidated = 0;
    std::string file_error; // the cache failed: stops the job

  private:
    Cache& m_cache;
    std::function<void(const Problem&)> m_on_problem;
};

// Characters and tokens per second over the last ~30 s, for the ETA.
class RecentRate {
  public:
    void add(double t, int64_t chars, int64_t tokens) {
        m_points.push_back({t, chars, tokens});
        while (m_points.size() > 2 && t - m_points[1].t >= 30)
            m_points.pop_front();
    }
    double chars_per_second() const {
        return rate([](const Point& p) { return p.chars; });
    }
    double tokens_per_second() const {
        return rate([](const Point& p) { return p.tokens; });
    }

  private:
    struct Point {
        double t;
        int64_t chars, tokens;
    };
    template <class F> double rate(F f) const {
        if (m_points.size() < 2) return 0;
        const double dt = m_points.back().t - m_points.front().t;
        return dt > 0 ? double(f(m_points.back()) - f(m_points.front())) / dt : 0;
    }
    std::deque<Point> m_points;
};

void update_estimate(ScoreJobProgress* p, double chars_per_second, double tokens_per_second) {
    p->fraction =
        p->total_samples > 0 ? std::min(1.0, double(p->samples) / double(p->total_samples)) : 0.0;
    p->tokens_per_second = tokens_per_second;
    const int64_t left = std::max<int64_t>(0, p->total_chars - p->chars_done);
    p->eta_seconds = left == 0              ? 0.0
                     : chars_per_second > 0 ? double(left) / chars_per_second
                                            : -1.0;
}

} // namespace

bool index_corpus(Cache& cache, const std::vector<std::string>& inputs, const CorpusOptions& corpus,
                  int shard_index, int shard_count,
                  const std::function<bool(int64_t samples)>& progress,
                  const std::function<void(const Problem&)>& on_problem, IndexSummary* sum,
                  std::string* error, const std::function<void(const Sample&)>& visit) {
    RegisteredReader r(cache, on_problem);
    if (!r.open(inputs, corpus, error)) return false;
    // Samples are stored 1,000 to a transaction (one each would cost a commit per sample).
    std::vector<Sample> batch;
    int64_t batch_file = 0;
    auto flush = [&] {
        const bool ok = batch.empty() || cache.upsert_samples(batch_file, batch, error);
        batch.clear();
        return ok;
    };
    Sample s;
    while (r.reader->next(&s)) {
        if (!r.file_error.empty()) break;
        if (shard_count > 1 && shard_of(s.id, shard_count) != shard_index) continue;
        if (r.file_id != batch_file && !flush()) return false;
        batch_file = r.file_id;
        ++sum->samples;
        sum->chars += s.chars;
        if (visit) visit(s);
        s.text.clear(); // only the location and the hash are stored
        s.input_ids.clear();
        batch.push_back(std::move(s));
        if (batch.size() >= 1000 && !flush()) return false;
        if (progress && sum->samples % 256 == 0 && !progress(sum->samples)) {
            r.reader->flush_index();
            break;
        }
    }
    if (!flush()) return false;
    sum->invalidated = r.invalidated;
    if (!r.file_error.empty()) {
        *error = r.file_error;
        return false;
    }
    if (r.reader->stopped_by_strict()) {
        const auto& first = r.reader->problems().front();
        *error =
            "stopped at the first bad record (--strict): " + first.where() + ": " + first.message;
        return false;
    }
    return true;
}

bool run_score_job(Engine& engine, const Tokenizer& tok, const ScoreJobOptions& o,
                   const std::function<bool(const ScoreJobProgress&)>& progress,
                   const std::function<void(const Problem&)>& on_problem, ScoreJobSummary* sum,
                   std::string* error) {
    return run_score_job(&engine, &tok, o, progress, on_problem, sum, error);
}

bool run_score_job(Engine* engine, const Tokenizer* tok, const ScoreJobOptions& o,
                   const std::function<bool(const ScoreJobProgress&)>& progress,
                   const std::function<void(const Problem&)>& on_problem, ScoreJobSummary* sum,
                   std::string* error) {
    const auto t0 = std::chrono::steady_clock::now();
    const ScorerSet& sc = o.scorers;
    if (!sc.cds && !sc.longattn && !sc.lcgain && !sc.lexical) {
        *error = "no scorer asked for";
        return false;
    }
    if (sc.model() && (!engine || !tok)) {
        *error = "the scorers " + scorers_text(sc) + " need a model";
        return false;
    }
    auto elapsed = [&] {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    };
    if (std::string e = validate(o.params); !e.empty()) {
        *error = "bad LADM parameters: " + e;
        return false;
    }
    if (std::string e = validate(sc); !e.empty()) {
        *error = "bad scorer parameters: " + e;
        return false;
    }
    const bool use_model = sc.model();
    ScoreOptions so;
    so.cds = sc.cds;
    so.longattn = sc.longattn;
    so.lcgain = sc.lcgain;
    so.lcgain_params = sc.lcgain_params;
    if (use_model && !engine->prepare(so, error)) return false;
    auto cache = Cache::open(o.cache_path, error);
    if (!cache) return false;
    sum->run_id = cache->run_id(use_model ? engine->info().fingerprint : kModelFreeFingerprint,
                                params_json(o.params, sc), kCodeVersion, error,
                                use_model ? model_name(engine->info().dir) : "no model");
    if (!sum->run_id) return false;
    ScoreJobProgress& pg = sum->totals;
    DocumentFrequencies df;
    const std::vector<uint8_t> byte_fallback =
        tok ? byte_fallback_ids(*tok) : std::vector<uint8_t>{};
    // First pass: every sample into the index (the app lists them all at once) and the
    // totals progress is measured against. Its problems are reported by the second pass.
    {
        IndexSummary idx;
        CorpusOptions lenient = o.corpus; // --strict stops in the second pass, which reports
        lenient.strict = false;
        // The lexical score's document frequencies: over the documents this run reads (in
        // an array job, one shard: a random 1/n of the corpus, whose IDF estimates the
        // whole corpus's).
        std::function<void(const Sample&)> count_words;
        if (sc.lexical)
            count_words = [&df](const Sample& smp) {
                if (!smp.pretokenized) df.add(words_of(smp.text));
            };
        if (!index_corpus(*cache, o.inputs, lenient, o.shard_index, o.shard_count, nullptr, nullptr,
                          &idx, error, count_words))
            return false;
        pg.total_samples = idx.samples;
        pg.total_chars = idx.chars;
        sum->invalidated += idx.invalidated;
    }
    RegisteredReader rr(*cache, on_problem);
    if (!rr.open(o.inputs, o.corpus, error)) return false;
    CorpusReader* reader = rr.reader.get();
    std::ofstream scores_out;
    if (!o.scores_out.empty()) {
        scores_out.open(o.scores_out, std::ios::app);
        if (!scores_out) {
            *error = o.scores_out + ": cannot write";
            return false;
        }
    }

    RecentRate rate;
    int64_t scored_chars = 0;
    rate.add(elapsed(), 0, 0);
    Sample s;
    while (reader->next(&s)) {
        if (!rr.file_error.empty()) {
            *error = rr.file_error;
            return false;
        }
        if (o.shard_count > 1 && shard_of(s.id, o.shard_count) != o.shard_index) continue;
        const int64_t sid = cache->upsert_sample(rr.file_id, s, error);
        if (!sid) return false;
        ++pg.samples;
        pg.last_id = s.id;
        pg.chars_done += s.chars;
        if (cache->has_result(sum->run_id, sid)) {
            ++pg.cached;
        } else {
            int64_t n_ids = 0;
            StoredResult st;
            if (!s.pretokenized) st.scores = text_features(s.text);
            ScoreResult r;
            if (use_model) {
                r = score_sample(*engine, *tok, s, o.params, so, byte_fallback, &n_ids, &st.scores);
            } else if (s.pretokenized) {
                r.error = "the lexical score needs the sample's text; this record has only "
                          "token ids";
            } else {
                r.status = ScoreStatus::Ok;
                if (tok) { // lengths in tokens for budgets, when a tokenizer is at hand
                    const Encoding enc = tok->encode(s.text, true);
                    n_ids = int64_t(enc.ids.size());
                    r.tokens = n_ids;
                    st.scores.merge(token_features(s.chars, enc.ids, byte_fallback));
                }
            }
            if (sc.longattn && r.status == ScoreStatus::Ok) {
                st.scores["longattn_proportion"] = r.longattn_proportion;
                st.scores["longattn_uniformity"] = r.longattn_uniformity;
            }
            if (r.lcgain_tokens > 0) { // none for samples of lcgain_window tokens or fewer
                st.scores["lcgain"] = r.lcgain;
                st.scores["lcgain_key_fraction"] = r.lcgain_key_fraction;
            }
            if (sc.lexical && r.status == ScoreStatus::Ok && !s.pretokenized)
                st.scores["lexical"] =
                    lexical_dependency(words_of(s.text), df, sc.lexical_distance);
            st.status = status_name(r.status);
            st.error = r.error;
            st.has_cds = sc.cds;
            st.cds = r.cds;
            st.cds_layers.assign(r.cds_per_layer.begin(), r.cds_per_layer.end());
            st.afs.assign(r.afs.begin(), r.afs.end());
            st.span_starts = r.span_starts;
            st.windows = r.windows;
            st.span_mass = r.span_mass;
            st.tokens = n_ids;
            st.tokens_scored = r.tokens;
            st.seconds = r.seconds;
            if (!cache->put_result(sum->run_id, sid, st, error)) return false;
            if (r.status == ScoreStatus::Error)
                ++pg.failed;
            else
                ++pg.scored;
            if (r.status == ScoreStatus::TooShort) ++pg.too_short;
            if (r.status != ScoreStatus::Error) pg.tokens_scored += r.tokens;
            scored_chars += s.chars;
            if (scores_out) {
                nlohmann::json line = {{"id", s.id},
                                       {"domain", s.domain},
                                       {"tokens", st.tokens},
                                       {"status", st.status}};
                if (sc.cds)
                    line["cds"] = r.status == ScoreStatus::Ok ? nlohmann::json(r.cds)
                                                              : nlohmann::json(nullptr);
                for (const auto& [name, value] : st.scores)
                    if (name.rfind("f_", 0) != 0) line[name] = value;
                line["error"] = r.error.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.error);
                scores_out << line.dump() << "\n" << std::flush;
            }
        }
        pg.seconds = elapsed();
        rate.add(pg.seconds, scored_chars, pg.tokens_scored);
        update_estimate(&pg, rate.chars_per_second(), rate.tokens_per_second());
        if (progress && !progress(pg)) {
            sum->cancelled = true;
            break;
        }
    }
    if (sum->cancelled) reader->flush_index();
    if (!rr.file_error.empty()) {
        *error = rr.file_error;
        return false;
    }
    pg.seconds = elapsed();
    if (!sum->cancelled) {
        pg.fraction = 1.0;
        pg.eta_seconds = 0;
    }
    sum->invalidated += rr.invalidated;
    sum->problems = reader->problems();
    sum->problem_counts = reader->problem_counts();
    sum->stopped_by_strict = reader->stopped_by_strict();
    if (sum->stopped_by_strict) {
        *error = "stopped at the first bad record (--strict): " + sum->problems.front().where() +
                 ": " + sum->problems.front().message;
        return false;
    }
    return true;
}

} // namespace ladm
