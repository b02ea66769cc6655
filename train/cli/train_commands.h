// The trainer's subcommands of `ladm` (train-calculator, eval-calculator,
// calibrate-calculator, add-punctuation-rule), registered by the CLI from this table; the desktop
// app does not link them.
#pragma once

#include "cli/command.h"
#include "train/train_options.h"

#include <ostream>

#include <vector>

namespace ladm::cli {

int cmd_train_calculator(const std::vector<std::string>& args);
int cmd_eval_calculator(const std::vector<std::string>& args);
int cmd_calibrate_calculator(const std::vector<std::string>& args);
int cmd_add_punctuation_rule(const std::vector<std::string>& args);

// What train-calculator does with its options: trains (or resumes) with progress on stderr,
// writes o.out_dir/training.json and prints it to *out when given. kOk or kFailure.
int train_and_record(const TrainOptions& o, std::ostream* out);

// The rows `ladm` adds to its own commands.
const std::vector<Command>& train_commands();

} // namespace ladm::cli
