// How well a calculator separates coherent long documents from spliced controls: for
// held-out documents (the same hash split as train-calculator), the first N tokens of a
// document versus a control of the same length made of pieces (< 512 tokens) of other
// held-out documents of its domain; the ROC AUC of CDS (coherent should score higher).
#pragma once

#include "core/ladm_math.h"

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace ladm {

struct EvalOptions {
    std::string model_dir;
    std::vector<std::string> text_files; // empty = default_training_files()
    double held_out_fraction = 0.05;     // must match the training run's
    int pairs = 40;
    int tokens = 8192; // per sample (BOS included)
    LadmParams params;
    uint64_t seed = 1;
};

struct EvalResult {
    int pairs = 0;
    double auc = 0; // P(CDS coherent > CDS spliced), ties count half
    double mean_coherent = 0, mean_spliced = 0;
    std::vector<double> coherent, spliced;
    std::vector<std::vector<double>> coherent_layers, spliced_layers; // [pair][layer]
    std::vector<double> auc_per_layer; // the AUC of each layer's CDS alone
    std::map<std::string, int> pairs_per_domain;
    double seconds = 0;
};

// Mann-Whitney AUC of a (positives) over b (negatives).
double roc_auc(const std::vector<double>& pos, const std::vector<double>& neg);

bool evaluate_calculator(const EvalOptions& o,
                         const std::function<void(int done, int total)>& progress,
                         EvalResult* result, std::string* error);

} // namespace ladm
