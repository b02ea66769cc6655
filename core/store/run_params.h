// The LADM parameters of a scoring run as the cache records them (runs.params), shared by
// the scoring job, inspection and the front ends.
#pragma once

#include "core/model/ladm_math.h"
#include "core/store/cache.h"

#include <cstdint>
#include <string>

namespace ladm {

// To the JSON the cache keeps, and back: what the record lacks keeps its default.
std::string params_json(const LadmParams& p);
LadmParams params_from_json(const std::string& json);
// The parameters run `run` of the cache was scored with (defaults for an unknown run).
LadmParams run_params(Cache& cache, int64_t run);

// A run as a person reads it: "run 2: calculator, span 64, max_len 8192 (2026-12-03 17:20),
// 200 results" -- the model's name, the parameters that differ from LADM's defaults, when.
std::string run_label(const RunInfo& r);
// The name a run records for a model folder: its last path component.
std::string model_name(const std::string& dir);

} // namespace ladm
