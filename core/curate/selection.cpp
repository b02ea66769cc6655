#include "core/curate/selection.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace ladm {

std::optional<SelectMode> parse_select_mode(const std::string& s) {
    if (s == "reference") return SelectMode::Reference;
    if (s == "budget-exact") return SelectMode::BudgetExact;
    if (s == "threshold") return SelectMode::Threshold;
    if (s == "top") return SelectMode::Top;
    return std::nullopt;
}

const char* select_mode_name(SelectMode m) {
    switch (m) {
    case SelectMode::BudgetExact:
        return "budget-exact";
    case SelectMode::Threshold:
        return "threshold";
    case SelectMode::Top:
        return "top";
    default:
        return "reference";
    }
}

bool parse_token_count(const std::string& s, int64_t* out) {
    if (s.empty()) return false;
    size_t used = 0;
    double v = 0;
    try {
        v = std::stod(s, &used);
    } catch (...) {
        return false;
    }
    const std::string suffix = s.substr(used);
    double mult = 1;
    if (suffix == "K" || suffix == "k")
        mult = 1e3;
    else if (suffix == "M" || suffix == "m")
        mult = 1e6;
    else if (suffix == "B" || suffix == "b" || suffix == "G" || suffix == "g")
        mult = 1e9;
    else if (suffix == "T" || suffix == "t")
        mult = 1e12;
    else if (!suffix.empty())
        return false;
    if (!(v >= 0) || !std::isfinite(v)) return false;
    *out = int64_t(std::llround(v * mult));
    return true;
}

SelectionResult select_samples(const std::vector<Candidate>& cands, const SelectionRecipe& rc) {
    SelectionResult res;
    std::set<int64_t> kept;
    std::map<std::string, std::vector<const Candidate*>> pool; // per domain, best first
    int64_t forced_tokens = 0;
    for (const auto& c : cands) {
        const bool counts = c.scored || c.override_decision == "keep";
        if (counts) {
            auto& d = res.domains[c.domain];
            ++d.total_samples;
            d.total_tokens += c.tokens;
            res.total_tokens += c.tokens;
        }
        if (c.override_decision == "keep") {
            kept.insert(c.sample_id);
            forced_tokens += c.tokens;
        } else if (c.override_decision != "reject" && c.scored) {
            pool[c.domain].push_back(&c);
        }
    }
    for (auto& [_, v] : pool)
        std::sort(v.begin(), v.end(), [](const Candidate* a, const Candidate* b) {
            return a->cds != b->cds ? a->cds > b->cds : a->sample_id < b->sample_id;
        });

    if (rc.mode == SelectMode::Reference || rc.mode == SelectMode::BudgetExact) {
        // Take the top floor(n_d * p / 100) of every domain for p = 1..100 and stop at the
        // first p whose total exceeds the budget.
        auto take = [&](int p, std::vector<const Candidate*>* out) {
            int64_t total = forced_tokens;
            for (const auto& [_, v] : pool) {
                const size_t n = size_t(std::floor(double(v.size()) * p / 100.0));
                for (size_t i = 0; i < n; ++i) {
                    total += v[i]->tokens;
                    if (out) out->push_back(v[i]);
                }
            }
            return total;
        };
        int p = 1;
        for (; p <= 100; ++p)
            if (take(p, nullptr) > rc.budget) break;
        if (p > 100) p = 100;
        res.percent = p;
        std::vector<const Candidate*> chosen;
        if (rc.mode == SelectMode::Reference) {
            take(p, &chosen);
        } else {
            // Budget-exact: the set before the step that overshot, then that step's
            // additions best first while they fit.
            std::vector<const Candidate*> before, at;
            int64_t total = take(p - 1, &before);
            take(p, &at);
            std::set<const Candidate*> in(before.begin(), before.end());
            std::vector<const Candidate*> extra;
            for (const auto* c : at)
                if (!in.count(c)) extra.push_back(c);
            std::sort(extra.begin(), extra.end(), [](const Candidate* a, const Candidate* b) {
                return a->cds != b->cds ? a->cds > b->cds : a->sample_id < b->sample_id;
            });
            chosen = before;
            for (const auto* c : extra)
                if (total + c->tokens <= rc.budget) {
                    chosen.push_back(c);
                    total += c->tokens;
                }
        }
        for (const auto* c : chosen)
            kept.insert(c->sample_id);
    } else if (rc.mode == SelectMode::Threshold) {
        for (const auto& [dom, v] : pool) {
            auto it = rc.domain_thresholds.find(dom);
            if (it == rc.domain_thresholds.end() && !rc.threshold) {
                res.error = "no threshold for domain '" + dom +
                            "' (give a global --threshold or one per domain)";
                return res;
            }
            const double t = it != rc.domain_thresholds.end() ? it->second : *rc.threshold;
            for (const auto* c : v)
                if (c->cds >= t) kept.insert(c->sample_id);
        }
    } else {
        std::vector<const Candidate*> all;
        for (const auto& [_, v] : pool)
            all.insert(all.end(), v.begin(), v.end());
        std::sort(all.begin(), all.end(), [](const Candidate* a, const Candidate* b) {
            return a->cds != b->cds ? a->cds > b->cds : a->sample_id < b->sample_id;
        });
        size_t n = 0;
        if (rc.top_count)
            n = size_t(std::max<int64_t>(0, *rc.top_count));
        else if (rc.top_fraction)
            n = size_t(std::llround(*rc.top_fraction * double(all.size())));
        else {
            res.error = "top needs a fraction or a count";
            return res;
        }
        for (size_t i = 0; i < std::min(n, all.size()); ++i)
            kept.insert(all[i]->sample_id);
    }

    for (const auto& c : cands)
        if (kept.count(c.sample_id)) {
            auto& d = res.domains[c.domain];
            ++d.kept_samples;
            d.kept_tokens += c.tokens;
            res.kept_tokens += c.tokens;
        }
    res.kept.assign(kept.begin(), kept.end());
    return res;
}

std::optional<ReviewList> parse_review_list(const std::string& s) {
    if (s == "kept") return ReviewList::Kept;
    if (s == "dropped") return ReviewList::Dropped;
    if (s == "borderline") return ReviewList::Borderline;
    return std::nullopt;
}

std::vector<ReviewItem> review_order(const std::vector<Candidate>& cands, const SelectionRecipe& rc,
                                     const SelectionResult& result, ReviewList list) {
    const std::set<int64_t> kept(result.kept.begin(), result.kept.end());
    std::vector<ReviewItem> v;
    for (size_t i = 0; i < cands.size(); ++i) {
        const bool k = kept.count(cands[i].sample_id) > 0;
        if ((list == ReviewList::Kept && k) || (list == ReviewList::Dropped && !k) ||
            list == ReviewList::Borderline)
            v.push_back({i, k, std::nan("")});
    }
    if (list != ReviewList::Borderline) {
        std::stable_sort(v.begin(), v.end(), [&](const ReviewItem& a, const ReviewItem& b) {
            return cands[a.index].cds > cands[b.index].cds;
        });
        return v;
    }
    std::map<std::string, double> cut;
    for (const auto& c : cands)
        if (kept.count(c.sample_id) && c.scored) {
            auto it = cut.find(c.domain);
            cut[c.domain] = it == cut.end() ? c.cds : std::min(it->second, c.cds);
        }
    if (rc.mode == SelectMode::Threshold && rc.threshold) // every domain has its cut
        for (const auto& c : cands)
            cut[c.domain] = rc.domain_thresholds.count(c.domain) ? rc.domain_thresholds.at(c.domain)
                                                                 : *rc.threshold;
    v.erase(std::remove_if(v.begin(), v.end(),
                           [&](const ReviewItem& r) {
                               return !cands[r.index].scored || !cut.count(cands[r.index].domain);
                           }),
            v.end());
    for (auto& r : v)
        r.cut = cut[cands[r.index].domain];
    std::stable_sort(v.begin(), v.end(), [&](const ReviewItem& a, const ReviewItem& b) {
        return std::abs(cands[a.index].cds - a.cut) < std::abs(cands[b.index].cds - b.cut);
    });
    return v;
}

} // namespace ladm
