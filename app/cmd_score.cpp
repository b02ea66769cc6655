// ladm score --model DIR --cache DB INPUT...
#include "app/commands.h"
#include "cli/args.h"
#include "core/curate/selection.h"
#include "core/curate/shard_merge.h"
#include "core/jobs/score_job.h"
#include "core/jobs/shard_task.h"
#include "core/text/install_paths.h"

#include <filesystem>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <unistd.h>

namespace ladm::cli {

namespace {

const char* kHelp = R"(usage: ladm score [--model DIR] --cache DB [options] INPUT...
       ladm score [--model DIR] --shard-dir OUT [--shard K/N] [options] INPUT...

Scores every sample of INPUT (.jsonl, .jsonl.gz, .jsonl.zst files, directories or globs;
directories of plain text/code files give one sample per file) with the LADM calculator
in DIR (a Hugging Face checkpoint folder; default: the bundled calculator, installed in
<prefix>/share/ladm-studio/calculator), into the SQLite cache DB. Re-running skips what
the cache already holds for the same model and parameters; a killed run resumes where it
stopped.

LADM parameters:
  --span C            span size (default 128)
  --d-afs N           interval I = C*N between compared windows (default 4)
  --d-cds N           stride S = C*N between query spans (default 4)
  --max-len N         truncate samples to N tokens (default 32768)
  --ablation A        none | no_std | no_len_weight (default none)
Input:
  --text-key K        field holding the text (default text)
  --id-key K          field holding the id (default id; else file:line)
  --domain-key PATH   dotted path of the domain (default meta.pile_set_name, then
                      meta.source, source, the shard's name)
  --max-line-bytes N  records (or text files) longer than this are reported and skipped
                      (default 64M)
  --strict            stop at the first bad record (exit 1)
Scores (docs/scorers.md):
  --scorers LIST      any of cds, longattn, lcgain, lexical, comma-separated (default cds).
                      cds, longattn and lcgain share one forward (longattn alone runs the
                      first layer only); lcgain adds one forward per short window and needs
                      the LM head; lexical needs no model (its token counts come from DIR's
                      tokenizer)
  --lcgain-window W   lcgain: the short context, in tokens (default 4096); samples of W
                      tokens or fewer get no lcgain
  --lcgain-stride N   lcgain: tokens scored per short window (default 1024)
  --lcgain-alpha X    lcgain: a key token gains more than X nats of log-likelihood from the
                      long context (default 2) ...
  --lcgain-beta X     ... and has a long-context log-likelihood above X (default -2)
  --lexical-distance N  lexical: a repeat counts when its previous occurrence is more than
                      N characters back (default 3000)
Every run also stores surface features per sample (characters per token, non-ASCII and
byte-fallback shares, zstd ratio, digits and punctuation) for ladm stats --confounds.
Run:
  --device D          auto | cpu | cuda | cuda:N (default auto)
  --threads N         libtorch threads (default: libtorch's choice)
  --scores-out FILE   append one JSON line per sample: id, domain, tokens, cds, status, error
  --shard K/N         score only the samples whose id hashes to shard K of N (0-based);
                      inside a Slurm array job SLURM_ARRAY_TASK_ID / _COUNT are used
  --shard-dir OUT     cluster task mode: results go to OUT/task-K-of-N.db and, when the
                      task is done, OUT/task-K-of-N.done (a re-run of a finished task exits
                      at once; a requeued one resumes). Merge with: ladm merge OUT --cache DB
  --quiet             no progress display

Progress goes to stderr: a bar on a terminal, a line every 10 s otherwise. Bad records
are reported as FILE:LINE as they are met and summarised at the end.
Exit codes: 0 done (bad records, if any, were skipped and listed), 1 failed, 64 usage.
)";

std::string hms(double s) {
    if (!(s >= 0) || s > 1e7) return "--:--:--";
    char b[32];
    std::snprintf(b, sizeof b, "%02d:%02d:%02d", int(s) / 3600, int(s) / 60 % 60, int(s) % 60);
    return b;
}

class ProgressPrinter {
  public:
    explicit ProgressPrinter(bool quiet)
        : m_quiet(quiet)
        , m_tty(::isatty(2)) {}
    void update(const ScoreJobProgress& p, bool final) {
        if (m_quiet) return;
        const auto now = std::chrono::steady_clock::now();
        const double since = std::chrono::duration<double>(now - m_last).count();
        if (!final && since < (m_tty ? 0.2 : 10.0)) return;
        m_last = now;
        // Samples handled of the run's total; rates and ETA from the last ~30 s (core).
        const double sps = p.seconds > 0 ? double(p.samples) / p.seconds : 0;
        const double tps = p.tokens_per_second;
        const double eta = p.eta_seconds;
        char line[320];
        if (m_tty) {
            const int width = 24, filled = int(p.fraction * width);
            std::string bar(size_t(filled), '#');
            bar.resize(size_t(width), '.');
            std::snprintf(line, sizeof line,
                          "\r[%s] %3.0f%%  %lld/%lld samples (%lld cached)  %.2f samples/s  %.0f "
                          "tok/s  ETA %s ",
                          bar.c_str(), 100 * p.fraction, (long long)p.samples,
                          (long long)p.total_samples, (long long)p.cached, sps, tps,
                          hms(eta).c_str());
            std::fputs(line, stderr);
            if (final) std::fputs("\n", stderr);
        } else {
            std::snprintf(line, sizeof line,
                          "progress %.1f%%  samples %lld/%lld  scored %lld  cached %lld  failed "
                          "%lld  %.2f samples/s  %.0f tok/s  elapsed %s  ETA %s\n",
                          100 * p.fraction, (long long)p.samples, (long long)p.total_samples,
                          (long long)p.scored, (long long)p.cached, (long long)p.failed, sps, tps,
                          hms(p.seconds).c_str(), hms(eta).c_str());
            std::fputs(line, stderr);
        }
        std::fflush(stderr);
    }
    void problem(const Problem& pr) {
        if (m_tty && !m_quiet) std::fputs("\r\033[K", stderr);
        std::fprintf(stderr, "%s: %s: %s\n", pr.where().c_str(), problem_name(pr.kind),
                     pr.message.c_str());
    }

  private:
    bool m_quiet, m_tty;
    std::chrono::steady_clock::time_point m_last{};
};

bool parse_int(const std::optional<std::string>& v, int* out) {
    if (!v) return true;
    try {
        size_t used = 0;
        *out = std::stoi(*v, &used);
        return used == v->size();
    } catch (...) {
        return false;
    }
}

} // namespace

int cmd_score(const std::vector<std::string>& argv) {
    std::set<std::string> options = {
        "model",    "cache",      "span",   "d-afs",      "d-cds",          "max-len",
        "ablation", "text-key",   "id-key", "domain-key", "max-line-bytes", "device",
        "threads",  "scores-out", "shard",  "shard-dir",  "scorers"};
    options.insert(scorer_option_names().begin(), scorer_option_names().end());
    Args a(argv, {"help", "strict", "quiet"}, options);
    if (a.flag("help")) {
        std::cout << kHelp;
        return kOk;
    }
    auto usage = [](const std::string& msg) {
        std::cerr << "ladm score: " << msg << " (see ladm score --help)\n";
        return kUsage;
    };
    if (!a.ok()) return usage(a.error());
    const std::string shard_dir = a.get("shard-dir").value_or("");
    if (!a.get("cache") && shard_dir.empty())
        return usage("--cache DB (or --shard-dir OUT) is required");
    const std::string model = a.get("model").value_or(bundled_calculator_dir());
    if (model.empty()) return usage("no --model DIR given and no bundled calculator is installed");
    if (a.positional().empty()) return usage("no INPUT given");

    ScoreJobOptions o;
    o.inputs = a.positional();
    o.cache_path = a.get("cache").value_or("");
    o.scores_out = a.get("scores-out").value_or("");
    if (!parse_int(a.get("span"), &o.params.span) || !parse_int(a.get("d-afs"), &o.params.d_afs) ||
        !parse_int(a.get("d-cds"), &o.params.d_cds) ||
        !parse_int(a.get("max-len"), &o.params.max_len))
        return usage("--span, --d-afs, --d-cds and --max-len take integers");
    if (auto ab = a.get("ablation")) {
        auto parsed = parse_ablation(*ab);
        if (!parsed) return usage("--ablation must be none, no_std or no_len_weight");
        o.params.ablation = *parsed;
    }
    if (std::string e = validate(o.params); !e.empty()) return usage(e);
    for (const auto& n : scorer_option_names())
        if (auto v = a.get(n)) {
            std::string e;
            if (!set_scorer_option(&o.scorers, n, *v, &e)) return usage(e);
        }
    if (auto sc = a.get("scorers")) {
        std::string e;
        if (!parse_scorers(*sc, &o.scorers, &e)) return usage(e);
    }
    o.corpus.text_key = a.get("text-key").value_or(o.corpus.text_key);
    o.corpus.id_key = a.get("id-key").value_or(o.corpus.id_key);
    o.corpus.domain_path = a.get("domain-key").value_or(o.corpus.domain_path);
    o.corpus.strict = a.flag("strict");
    if (auto m = a.get("max-line-bytes")) {
        int64_t n = 0;
        if (!parse_token_count(*m, &n) || n <= 0)
            return usage("--max-line-bytes takes a size like 64M");
        o.corpus.max_line_bytes = uint64_t(n);
    }
    if (auto sh = a.get("shard")) {
        if (std::sscanf(sh->c_str(), "%d/%d", &o.shard_index, &o.shard_count) != 2 ||
            o.shard_count < 1 || o.shard_index < 0 || o.shard_index >= o.shard_count)
            return usage("--shard takes K/N with 0 <= K < N");
    } else if (shard_from_slurm_env(&o.shard_index, &o.shard_count)) {
        std::cerr << "Slurm array task: shard " << o.shard_index << " of " << o.shard_count << "\n";
    }
    if (!shard_dir.empty()) {
        if (!a.get("shard") && o.shard_count == 1 && std::getenv("SLURM_ARRAY_TASK_ID"))
            return usage("this Slurm array does not start at 0 or is a partial resubmission: pass "
                         "--shard K/N");
        if (!a.get("shard") && !std::getenv("SLURM_ARRAY_TASK_ID"))
            return usage("--shard-dir needs --shard K/N or a Slurm array task");
        std::error_code ec;
        std::filesystem::create_directories(shard_dir, ec);
        if (o.cache_path.empty())
            o.cache_path = ShardTask{shard_dir, o.shard_index, o.shard_count}.db_path();
    }
    EngineOptions eo;
    eo.device = a.get("device").value_or("auto");
    if (!parse_int(a.get("threads"), &eo.threads)) return usage("--threads takes an integer");

    std::string err;
    auto tok = Tokenizer::from_dir(model, &err);
    if (!tok && o.scorers.model()) {
        std::cerr << "ladm score: " << err << "\n";
        return kFailure;
    }
    if (!tok) // lexical alone: lengths in tokens only when a tokenizer is at hand
        std::cerr << "warning: no tokenizer (" << err
                  << "): token counts are 0, so token budgets cannot be met\n";
    std::unique_ptr<Engine> engine;
    if (o.scorers.model()) {
        engine = Engine::open(model, eo, &err);
        if (!engine) {
            std::cerr << "ladm score: " << err << "\n";
            return kFailure;
        }
        for (const auto& w : engine->info().warnings)
            std::cerr << "warning: " << w << "\n";
    }
    const std::string fingerprint = engine ? engine->info().fingerprint : kModelFreeFingerprint;
    const ShardTask task{shard_dir, o.shard_index, o.shard_count};
    if (!shard_dir.empty()) {
        if (shard_task_complete(task, fingerprint, o.params, o.scorers)) {
            std::cerr << "task " << o.shard_index << " of " << o.shard_count
                      << " already complete (" << task.marker_path() << ")\n";
            return kOk;
        }
        shard_task_begin(task);
    }
    const bool quiet = a.flag("quiet");
    if (!quiet && engine)
        std::cerr << "model " << model << " (" << engine->info().config.model_type << ", "
                  << engine->info().config.num_layers << " layers, fingerprint "
                  << engine->info().fingerprint << ") on " << engine->info().device << "; scores "
                  << scorers_text(o.scorers) << "\n";
    else if (!quiet)
        std::cerr << "no model; scores " << scorers_text(o.scorers) << "\n";

    ProgressPrinter printer(quiet);
    ScoreJobSummary sum;
    const bool ok = run_score_job(
        engine.get(), tok.get(), o,
        [&](const ScoreJobProgress& p) {
            printer.update(p, false);
            return true;
        },
        [&](const Problem& p) { printer.problem(p); }, &sum, &err);
    printer.update(sum.totals, true);
    const auto& t = sum.totals;
    std::fprintf(stderr,
                 "run %lld: %lld samples: %lld scored (%lld too short), %lld cached, %lld failed; "
                 "%lld tokens in %s\n",
                 (long long)sum.run_id, (long long)t.samples, (long long)t.scored,
                 (long long)t.too_short, (long long)t.cached, (long long)t.failed,
                 (long long)t.tokens_scored, hms(t.seconds).c_str());
    if (sum.invalidated)
        std::fprintf(stderr, "%lld cached samples were dropped because their input file changed\n",
                     (long long)sum.invalidated);
    if (!sum.problems.empty()) {
        std::fprintf(stderr, "skipped input (%zu):", sum.problems.size());
        for (const auto& [k, n] : sum.problem_counts)
            std::fprintf(stderr, " %s %lld", problem_name(k), (long long)n);
        std::fprintf(stderr, "\n");
        for (const auto& p : sum.problems)
            std::fprintf(stderr, "  %s: %s: %s\n", p.where().c_str(), problem_name(p.kind),
                         p.message.c_str());
    }
    if (!ok) {
        std::cerr << "ladm score: " << err << "\n";
        if (!shard_dir.empty()) shard_task_failed(task, err);
        return kFailure;
    }
    if (!shard_dir.empty() &&
        !shard_task_finished(task, fingerprint, o.params, sum, &err, o.scorers)) {
        std::cerr << "ladm score: " << err << "\n";
        return kFailure;
    }
    return kOk;
}

} // namespace ladm::cli
