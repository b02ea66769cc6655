// The LADM score computed the way the authors' pipeline does it, for comparison:
// a forward with materialised L x L attention per layer (eager attention), keeping each
// layer's post-RoPE queries and keys, then a separate span-attention pass per layer.
#pragma once

#include "core/model/ladm_math.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ladm::bench {

bool naive_score(const std::string& dir, const std::vector<int32_t>& ids, const LadmParams& p,
                 double* cds, std::string* error);

// Whether the materialised attention of one layer fits in the memory available now.
bool naive_fits(const std::string& dir, int64_t L);

} // namespace ladm::bench
