// The product's subcommands of `ladm` (the trainer adds its own, see train_commands.h).
#pragma once

#include "cli/command.h"

#include <string>
#include <vector>

namespace ladm::cli {

int cmd_tokenize(const std::vector<std::string>& args);
int cmd_score(const std::vector<std::string>& args);
int cmd_select(const std::vector<std::string>& args);
int cmd_stats(const std::vector<std::string>& args);
int cmd_override(const std::vector<std::string>& args);
int cmd_export(const std::vector<std::string>& args);
int cmd_show(const std::vector<std::string>& args);
int cmd_merge(const std::vector<std::string>& args);
int cmd_demo_corpus(const std::vector<std::string>& args);

} // namespace ladm::cli
