#include "core/jobs/score_job.h"

#include <chrono>
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
ScoreResult score_sample(Engine& engine, const Tokenizer& tok, const Sample& s,
                         const LadmParams& params, int64_t* tokens) {
    ScoreResult failed;
    failed.status = ScoreStatus::Error;
    try {
        if (s.pretokenized) {
            *tokens = int64_t(s.input_ids.size());
            return engine.score(s.input_ids, params);
        }
        Encoding enc = tok.encode(s.text, true);
        if (!enc.error.empty()) {
            failed.error = "tokenization failed: " + enc.error;
            return failed;
        }
        *tokens = int64_t(enc.ids.size());
        const std::vector<int32_t> ids = std::move(enc.ids);
        enc = Encoding{}; // the offsets and text copy are not needed while scoring
        return engine.score(ids, params);
    } catch (const std::bad_alloc&) {
        failed.error = "out of memory for a sample of " + std::to_string(s.text.size()) +
                       " bytes (" + std::to_string(*tokens) + " tokens)";
    } catch (const std::exception& e) {
        failed.error = std::string("scoring failed: ") + e.what();
    }
    return failed;
}
} // namespace

bool run_score_job(Engine& engine, const Tokenizer& tok, const ScoreJobOptions& o,
                   const std::function<bool(const ScoreJobProgress&)>& progress,
                   const std::function<void(const Problem&)>& on_problem, ScoreJobSummary* sum,
                   std::string* error) {
    const auto t0 = std::chrono::steady_clock::now();
    if (std::string e = validate(o.params); !e.empty()) {
        *error = "bad LADM parameters: " + e;
        return false;
    }
    auto cache = Cache::open(o.cache_path, error);
    if (!cache) return false;
    sum->run_id =
        cache->run_id(engine.info().fingerprint, params_json(o.params), kCodeVersion, error);
    if (!sum->run_id) return false;
    auto reader = CorpusReader::open(o.inputs, o.corpus, error);
    if (!reader) return false;
    reader->on_problem = on_problem;
    int64_t file_id = 0;
    std::string file_error;
    reader->on_file = [&](const std::string& path) {
        FileInfo fi;
        int64_t inval = 0;
        std::string err;
        if (!stat_file(path, &fi, &err)) {
            reader->report(ProblemKind::Unreadable, path, 0, err);
            return false;
        }
        if (!cache->register_file(fi, &file_id, &inval, &file_error))
            return false; // cache broken: fatal
        sum->invalidated += inval;
        return true;
    };
    // Access points into .gz/.zst inputs, so the app and `ladm show` open a sample of a
    // big compressed shard without decompressing it from the start.
    reader->index_spacing = kAccessPointSpacing;
    reader->on_file_indexed = [&](const std::string& path, const std::vector<AccessPoint>& pts) {
        std::string err;
        if (file_error.empty() && !cache->put_access_points(file_id, pts, &err)) file_error = err;
    };
    std::ofstream scores_out;
    if (!o.scores_out.empty()) {
        scores_out.open(o.scores_out, std::ios::app);
        if (!scores_out) {
            *error = o.scores_out + ": cannot write";
            return false;
        }
    }

    ScoreJobProgress& pg = sum->totals;
    Sample s;
    while (reader->next(&s)) {
        if (!file_error.empty()) {
            *error = file_error;
            return false;
        }
        if (o.shard_count > 1 && shard_of(s.id, o.shard_count) != o.shard_index) continue;
        const int64_t sid = cache->upsert_sample(file_id, s, error);
        if (!sid) return false;
        ++pg.samples;
        pg.last_id = s.id;
        if (cache->has_result(sum->run_id, sid)) {
            ++pg.cached;
        } else {
            int64_t n_ids = 0;
            const ScoreResult r = score_sample(engine, tok, s, o.params, &n_ids);
            StoredResult st;
            st.status = status_name(r.status);
            st.error = r.error;
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
            if (scores_out) {
                nlohmann::json line = {{"id", s.id},
                                       {"domain", s.domain},
                                       {"tokens", st.tokens},
                                       {"status", st.status}};
                line["cds"] =
                    r.status == ScoreStatus::Ok ? nlohmann::json(r.cds) : nlohmann::json(nullptr);
                line["error"] = r.error.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.error);
                scores_out << line.dump() << "\n" << std::flush;
            }
        }
        pg.fraction = reader->progress();
        pg.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (progress && !progress(pg)) {
            sum->cancelled = true;
            break;
        }
    }
    if (sum->cancelled) reader->flush_index();
    if (!file_error.empty()) {
        *error = file_error;
        return false;
    }
    pg.fraction = sum->cancelled ? reader->progress() : 1.0;
    pg.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
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
