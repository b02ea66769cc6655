#include "core/curate/score_table.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>

namespace ladm {

namespace {
// Average ranks (1-based; ties share their mean) of v.
std::vector<double> average_ranks(const std::vector<double>& v) {
    std::vector<size_t> order(v.size());
    std::iota(order.begin(), order.end(), size_t(0));
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return v[a] < v[b]; });
    std::vector<double> r(v.size());
    for (size_t i = 0; i < order.size();) {
        size_t j = i;
        while (j + 1 < order.size() && v[order[j + 1]] == v[order[i]])
            ++j;
        const double mean = (double(i) + double(j)) / 2.0 + 1.0;
        for (size_t k = i; k <= j; ++k)
            r[order[k]] = mean;
        i = j + 1;
    }
    return r;
}

void finite_pairs(const std::vector<double>& x, const std::vector<double>& y,
                  std::vector<double>* fx, std::vector<double>* fy) {
    for (size_t i = 0; i < std::min(x.size(), y.size()); ++i)
        if (std::isfinite(x[i]) && std::isfinite(y[i])) fx->push_back(x[i]), fy->push_back(y[i]);
}

double pearson(const std::vector<double>& x, const std::vector<double>& y) {
    const double n = double(x.size());
    const double mx = std::accumulate(x.begin(), x.end(), 0.0) / n;
    const double my = std::accumulate(y.begin(), y.end(), 0.0) / n;
    double sxy = 0, sxx = 0, syy = 0;
    for (size_t i = 0; i < x.size(); ++i) {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) * (x[i] - mx);
        syy += (y[i] - my) * (y[i] - my);
    }
    return sxx > 0 && syy > 0 ? sxy / std::sqrt(sxx * syy) : std::nan("");
}

// Pairs tied in a run of equal values: sum of t (t - 1) / 2.
template <class Eq> double tied_pairs(size_t n, Eq equal) {
    double t = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && equal(i, j))
            ++j;
        t += double(j - i) * double(j - i - 1) / 2.0;
        i = j;
    }
    return t;
}

// Sorts v by merge sort and returns the number of inversions (swaps).
double merge_count(std::vector<double>& v, std::vector<double>& tmp, size_t lo, size_t hi) {
    if (hi - lo < 2) return 0;
    const size_t mid = (lo + hi) / 2;
    double swaps = merge_count(v, tmp, lo, mid) + merge_count(v, tmp, mid, hi);
    size_t i = lo, j = mid, k = lo;
    while (i < mid && j < hi) {
        if (v[j] < v[i]) {
            swaps += double(mid - i);
            tmp[k++] = v[j++];
        } else {
            tmp[k++] = v[i++];
        }
    }
    while (i < mid)
        tmp[k++] = v[i++];
    while (j < hi)
        tmp[k++] = v[j++];
    std::copy(tmp.begin() + long(lo), tmp.begin() + long(hi), v.begin() + long(lo));
    return swaps;
}

bool has_score(const ResultRow& r, const std::string& name) {
    return std::isfinite(r.score(name));
}
} // namespace

double spearman(const std::vector<double>& x, const std::vector<double>& y) {
    std::vector<double> fx, fy;
    finite_pairs(x, y, &fx, &fy);
    if (fx.size() < 3) return std::nan("");
    return pearson(average_ranks(fx), average_ranks(fy));
}

double kendall_tau_b(const std::vector<double>& x, const std::vector<double>& y) {
    std::vector<double> fx, fy;
    finite_pairs(x, y, &fx, &fy);
    const size_t n = fx.size();
    if (n < 3) return std::nan("");
    // Knight's algorithm: sort by (x, y), count ties, then count the swaps a merge sort of
    // y needs (discordant pairs).
    std::vector<size_t> o(n);
    std::iota(o.begin(), o.end(), size_t(0));
    std::sort(o.begin(), o.end(),
              [&](size_t a, size_t b) { return fx[a] != fx[b] ? fx[a] < fx[b] : fy[a] < fy[b]; });
    const double n0 = double(n) * double(n - 1) / 2.0;
    const double n1 = tied_pairs(n, [&](size_t i, size_t j) { return fx[o[i]] == fx[o[j]]; });
    const double n3 = tied_pairs(
        n, [&](size_t i, size_t j) { return fx[o[i]] == fx[o[j]] && fy[o[i]] == fy[o[j]]; });
    std::vector<double> ys(n), tmp(n);
    for (size_t i = 0; i < n; ++i)
        ys[i] = fy[o[i]];
    const double swaps = merge_count(ys, tmp, 0, n);
    const double n2 = tied_pairs(n, [&](size_t i, size_t j) { return ys[i] == ys[j]; });
    const double denom = std::sqrt((n0 - n1) * (n0 - n2));
    if (!(denom > 0)) return std::nan("");
    return (n0 - n1 - n2 + n3 - 2.0 * swaps) / denom;
}

std::vector<std::string> present_scores(std::vector<ResultRow>* rows,
                                        const std::vector<std::string>& names) {
    std::vector<std::string> present;
    for (const auto& n : names) {
        std::string unused;
        if (add_derived_scores(rows, {n}, &unused)) present.push_back(n);
    }
    return present;
}

std::vector<double> score_values(const std::vector<ResultRow>& rows, const std::string& name) {
    std::vector<double> v;
    v.reserve(rows.size());
    for (const auto& r : rows)
        v.push_back(r.status == "ok" ? r.score(name) : std::nan(""));
    return v;
}

bool add_derived_scores(std::vector<ResultRow>* rows, const std::vector<std::string>& names,
                        std::string* error) {
    for (const auto& name : names) {
        if (name == "longattn") {
            double pmin = INFINITY, pmax = -INFINITY, umin = INFINITY, umax = -INFINITY;
            for (const auto& r : *rows) {
                if (r.status != "ok" || !has_score(r, "longattn_proportion") ||
                    !has_score(r, "longattn_uniformity"))
                    continue;
                const double p = r.score("longattn_proportion"), u = r.score("longattn_uniformity");
                pmin = std::min(pmin, p), pmax = std::max(pmax, p);
                umin = std::min(umin, u), umax = std::max(umax, u);
            }
            if (!std::isfinite(pmin)) {
                *error = "no result of this run has LongAttn's scores (score with --scorers "
                         "longattn)";
                return false;
            }
            auto unit = [](double v, double lo, double hi) {
                return hi == lo ? 0.5 : (v - lo) / (hi - lo);
            };
            for (auto& r : *rows)
                if (r.status == "ok" && has_score(r, "longattn_proportion") &&
                    has_score(r, "longattn_uniformity"))
                    r.scores["longattn"] = unit(r.score("longattn_proportion"), pmin, pmax) -
                                           0.5 * unit(r.score("longattn_uniformity"), umin, umax);
            continue;
        }
        if (name.find('+') == std::string::npos) {
            bool any = false;
            for (const auto& r : *rows)
                any = any || (r.status == "ok" && has_score(r, name));
            if (!any) {
                *error = "no result of this run has the score '" + name + "'";
                return false;
            }
            continue;
        }
        std::vector<std::string> parts;
        for (size_t b = 0; b <= name.size();) {
            size_t e = name.find('+', b);
            if (e == std::string::npos) e = name.size();
            parts.push_back(name.substr(b, e - b));
            b = e + 1;
        }
        if (!add_derived_scores(rows, parts, error)) return false;
        std::vector<size_t> have;
        for (size_t i = 0; i < rows->size(); ++i) {
            const auto& r = (*rows)[i];
            bool all = r.status == "ok";
            for (const auto& p : parts)
                all = all && has_score(r, p);
            if (all) have.push_back(i);
        }
        std::vector<double> mean(have.size(), 0.0);
        for (const auto& p : parts) {
            std::vector<double> v;
            for (size_t i : have)
                v.push_back((*rows)[i].score(p));
            const auto rk = average_ranks(v);
            for (size_t k = 0; k < have.size(); ++k)
                mean[k] += (have.size() > 1 ? (rk[k] - 1) / double(have.size() - 1) : 0.5) /
                           double(parts.size());
        }
        for (size_t k = 0; k < have.size(); ++k)
            (*rows)[have[k]].scores[name] = mean[k];
    }
    return true;
}

std::vector<Agreement> score_agreement(const std::vector<ResultRow>& rows, const std::string& a,
                                       const std::string& b) {
    std::map<std::string, std::pair<std::vector<double>, std::vector<double>>> by;
    for (const auto& r : rows) {
        if (r.status != "ok") continue;
        const double x = r.score(a), y = r.score(b);
        if (!std::isfinite(x) || !std::isfinite(y)) continue;
        for (const std::string& d : {r.domain, std::string("(all)")}) {
            by[d].first.push_back(x);
            by[d].second.push_back(y);
        }
    }
    std::vector<Agreement> out;
    for (const auto& [d, xy] : by)
        if (d != "(all)")
            out.push_back({d, int64_t(xy.first.size()), spearman(xy.first, xy.second),
                           kendall_tau_b(xy.first, xy.second)});
    if (const auto it = by.find("(all)"); it != by.end())
        out.push_back({"(all)", int64_t(it->second.first.size()),
                       spearman(it->second.first, it->second.second),
                       kendall_tau_b(it->second.first, it->second.second)});
    return out;
}

std::vector<Disagreement> disagreements(const std::vector<ResultRow>& rows, const std::string& a,
                                        const std::string& b, size_t n) {
    std::vector<size_t> have;
    std::vector<double> va, vb;
    for (size_t i = 0; i < rows.size(); ++i) {
        const auto& r = rows[i];
        if (r.status != "ok" || !has_score(r, a) || !has_score(r, b)) continue;
        have.push_back(i);
        va.push_back(r.score(a));
        vb.push_back(r.score(b));
    }
    const auto ra = average_ranks(va), rb = average_ranks(vb);
    const double m = have.size() > 1 ? double(have.size() - 1) : 1.0;
    std::vector<Disagreement> out;
    for (size_t k = 0; k < have.size(); ++k) {
        const auto& r = rows[have[k]];
        out.push_back(
            {r.sample_id, r.key, r.domain, va[k], vb[k], (ra[k] - 1) / m, (rb[k] - 1) / m});
    }
    std::stable_sort(out.begin(), out.end(), [](const Disagreement& x, const Disagreement& y) {
        return std::abs(x.rank_a - x.rank_b) > std::abs(y.rank_a - y.rank_b);
    });
    if (out.size() > n) out.resize(n);
    return out;
}

std::vector<std::string> confound_features(const std::vector<ResultRow>& rows) {
    std::set<std::string> f;
    for (const auto& r : rows)
        for (const auto& [name, _] : r.scores)
            if (name.rfind("f_", 0) == 0) f.insert(name);
    std::vector<std::string> out{"tokens"};
    out.insert(out.end(), f.begin(), f.end());
    return out;
}

std::vector<Confound> confounds(const std::vector<ResultRow>& rows,
                                const std::vector<std::string>& scores) {
    const auto features = confound_features(rows);
    std::vector<std::string> domains;
    for (const auto& r : rows)
        domains.push_back(r.domain);
    std::sort(domains.begin(), domains.end());
    domains.erase(std::unique(domains.begin(), domains.end()), domains.end());
    domains.push_back("(all)");
    std::vector<Confound> out;
    for (const auto& s : scores)
        for (const auto& d : domains)
            for (const auto& f : features) {
                std::vector<double> x, y;
                for (const auto& r : rows) {
                    if (r.status != "ok" || (d != "(all)" && r.domain != d)) continue;
                    const double v = r.score(s);
                    const double w =
                        f == "tokens" ? (r.tokens > 0 ? double(r.tokens) : NAN) : r.score(f);
                    if (std::isfinite(v) && std::isfinite(w)) x.push_back(v), y.push_back(w);
                }
                const double rho = spearman(x, y);
                out.push_back(
                    {s, d, f, int64_t(x.size()), rho,
                     d != "(all)" && std::isfinite(rho) && std::abs(rho) >= kConfoundWarning});
            }
    return out;
}

} // namespace ladm
