#include "core/curate/exporter.h"

#include "core/curate/score_table.h"

#include "core/corpus/jsonl_writer.h"
#include "core/corpus/line_source.h"

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

namespace fs = std::filesystem;

namespace ladm {

std::string with_score(const std::string& raw, const std::string& key, const std::string& value) {
    const size_t end = raw.find_last_of('}');
    if (end == std::string::npos) return raw;
    const size_t open = raw.find('{');
    const bool empty = raw.find_first_not_of(" \t\r\n", open + 1) == end;
    return raw.substr(0, end) + (empty ? "" : ", ") + nlohmann::json(key).dump() + ": " + value +
           raw.substr(end);
}

namespace {

// Visits the raw record of every row, reading each input file once, front to back.
bool for_each_record(const std::vector<const ResultRow*>& rows, const ExportOptions& eo,
                     const std::function<bool(const ResultRow&, const std::string&)>& each,
                     std::string* error) {
    const CorpusOptions& o = eo.corpus;
    int64_t done = 0;
    const auto total = int64_t(rows.size());
    auto fn = [&](const ResultRow& r, const std::string& raw) {
        if (!each(r, raw)) return false;
        if (eo.progress && !eo.progress(++done, total)) {
            *error = "export cancelled";
            return false;
        }
        return true;
    };
    std::map<std::string, std::vector<const ResultRow*>> by_file;
    for (const auto* r : rows)
        by_file[r->loc.file].push_back(r);
    for (auto& [file, list] : by_file) {
        std::sort(list.begin(), list.end(),
                  [](auto* a, auto* b) { return a->loc.line < b->loc.line; });
        if (list.front()->loc.line == 0) { // whole-file samples
            for (const auto* r : list) {
                std::ifstream in(file, std::ios::binary);
                if (!in) {
                    *error = file + ": cannot read";
                    return false;
                }
                std::string text((std::istreambuf_iterator<char>(in)),
                                 std::istreambuf_iterator<char>());
                nlohmann::json j = {
                    {"id", r->key}, {"text", text}, {"meta", {{"domain", r->domain}}}};
                if (!fn(*r, j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)))
                    return false;
            }
            continue;
        }
        uint64_t max_len = o.max_line_bytes;
        for (const auto* r : list)
            max_len = std::max<uint64_t>(max_len, r->loc.length + 1);
        auto src = LineSource::open(file, max_len, error);
        if (!src) return false;
        Line line;
        size_t k = 0;
        while (k < list.size() && src->next(&line)) {
            while (k < list.size() && list[k]->loc.line < line.number)
                ++k; // line vanished?
            if (k < list.size() && list[k]->loc.line == line.number) {
                if (line.offset != list[k]->loc.offset) {
                    *error = file + ":" + std::to_string(line.number) +
                             ": the file changed since it was scored "
                             "(score it again first)";
                    return false;
                }
                if (!fn(*list[k], line.text)) return false;
                ++k;
            }
        }
        if (k < list.size()) {
            *error = file + ":" + std::to_string(list[k]->loc.line) + ": record not found" +
                     (src->error().empty() ? " (the file is shorter than when it was scored)"
                                           : ": " + src->error());
            return false;
        }
    }
    return true;
}

std::string now_iso() {
    const std::time_t t = std::time(nullptr);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    return buf;
}

} // namespace

bool export_selection(Cache& cache, const ExportOptions& o, ExportSummary* sum,
                      std::string* error) {
    std::vector<int64_t> kept_ids;
    std::string recipe_text;
    if (!cache.load_selection(o.selection, &kept_ids, &recipe_text, error)) return false;
    nlohmann::json recipe = nlohmann::json::parse(recipe_text, nullptr, false);
    const int64_t run = recipe.is_object() && recipe.contains("run") ? recipe["run"].get<int64_t>()
                                                                     : cache.latest_run();
    auto rows = cache.results(run);
    const std::set<int64_t> kept(kept_ids.begin(), kept_ids.end());
    const std::string score =
        recipe.is_object() ? recipe.value("score", std::string("cds")) : std::string("cds");
    const std::string score_key = o.score_key.empty() ? "ladm_" + score : o.score_key;
    std::vector<std::string> names{score};
    for (const auto& [name, key] : o.more_scores)
        names.push_back(name);
    if (!add_derived_scores(&rows, names, error)) {
        *error = "run " + std::to_string(run) + ": " + *error;
        return false;
    }
    auto value_json = [](double v) {
        return std::isfinite(v) ? nlohmann::json(v).dump() : std::string("null");
    };

    auto out = JsonlWriter::open(o.out_path, error);
    if (!out) return false;
    std::unique_ptr<JsonlWriter> rej;
    if (!o.rejected_path.empty() && o.format == "jsonl") {
        rej = JsonlWriter::open(o.rejected_path, error);
        if (!rej) return false;
    }

    std::vector<const ResultRow*> todo;
    for (const auto& r : rows)
        if (o.format == "ladm-scores" ? r.status == "ok" && std::isfinite(r.score(score))
                                      : (kept.count(r.sample_id) || rej))
            todo.push_back(&r);

    bool ok = true;
    if (o.format == "ladm-scores") {
        // The authors' sorted_by_score.jsonl: index, score, meta, rank (1 = highest CDS).
        std::map<int64_t, nlohmann::json> meta;
        ok = for_each_record(
            todo, o,
            [&](const ResultRow& r, const std::string& raw) {
                auto j = nlohmann::json::parse(raw, nullptr, false);
                meta[r.sample_id] = j.is_object() && j.contains("meta")
                                        ? j["meta"]
                                        : nlohmann::json{{"domain", r.domain}};
                return true;
            },
            error);
        std::sort(todo.begin(), todo.end(), [&](auto* a, auto* b) {
            const double x = a->score(score), y = b->score(score);
            return x != y ? x > y : a->sample_id < b->sample_id;
        });
        int64_t rank = 0;
        for (const auto* r : todo) {
            if (!ok) break;
            nlohmann::json line = {{"index", r->key},
                                   {"score", r->score(score)},
                                   {"meta", meta[r->sample_id]},
                                   {"rank", ++rank}};
            if (!out->write_line(line.dump())) {
                *error = out->error();
                ok = false;
            }
            ++sum->kept;
        }
    } else {
        ok = for_each_record(
            todo, o,
            [&](const ResultRow& r, const std::string& raw) {
                std::string line =
                    with_score(raw, score_key, value_json(r.status == "ok" ? r.score(score) : NAN));
                for (const auto& [name, key] : o.more_scores)
                    line =
                        with_score(line, key, value_json(r.status == "ok" ? r.score(name) : NAN));
                JsonlWriter* w = kept.count(r.sample_id) ? out.get() : rej.get();
                if (!w->write_line(line)) {
                    *error = w->error();
                    return false;
                }
                ++(w == out.get() ? sum->kept : sum->rejected);
                return true;
            },
            error);
    }
    if (!out->close() && ok) {
        *error = out->error();
        ok = false;
    }
    if (rej && !rej->close() && ok) {
        *error = rej->error();
        ok = false;
    }
    if (!ok || !o.write_recipe) return ok;

    // selection.json: inputs with hashes, model and parameters, the recipe, overrides.
    nlohmann::json doc;
    doc["created"] = now_iso();
    doc["output"] = o.out_path;
    doc["format"] = o.format;
    doc["score_key"] = score_key;
    if (!o.more_scores.empty()) doc["more_score_keys"] = o.more_scores;
    doc["exported_samples"] = sum->kept;
    doc["rejected_samples"] = sum->rejected;
    doc["selection"] = {{"name", o.selection}, {"recipe", recipe}};
    for (const auto& ri : cache.runs())
        if (ri.id == run)
            doc["run"] = {{"id", ri.id},
                          {"model_fingerprint", ri.fingerprint},
                          {"ladm_params", nlohmann::json::parse(ri.params, nullptr, false)},
                          {"code_version", ri.code_version},
                          {"created", ri.created}};
    doc["inputs"] = nlohmann::json::array();
    for (const auto& f : cache.files())
        doc["inputs"].push_back(
            {{"path", f.path}, {"size", f.size}, {"mtime_ns", f.mtime}, {"quick_hash", f.hash}});
    doc["overrides"] = nlohmann::json::array();
    for (const auto& o : cache.overrides())
        doc["overrides"].push_back(
            {{"id", o.key}, {"decision", o.decision}, {"note", o.note}, {"created", o.created}});
    sum->recipe_path = (fs::path(o.out_path).parent_path() / "selection.json").string();
    std::ofstream f(sum->recipe_path);
    f << doc.dump(2) << "\n";
    if (!f.good()) {
        *error = sum->recipe_path + ": write failed";
        return false;
    }
    return true;
}

} // namespace ladm
