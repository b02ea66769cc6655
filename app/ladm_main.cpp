// ladm: score, select and export long-context pre-training data with LADM.
#include "app/commands.h"

#include <cstring>
#include <iostream>

namespace {

const char* kUsage = R"(usage: ladm <command> [options]

commands:
  score      score a corpus (.jsonl/.gz/.zst, text directories) into a SQLite cache
  select     choose samples: reference budget loop, budget-exact, thresholds, top
  export     write a selection (original records + score) and its selection.json
  stats      per-domain counts, tokens and CDS quantiles
  show       one sample's spans and strongest distant dependencies
  override   keep or reject one sample by hand
  merge      ingest a cluster run's task files (score --shard-dir) into a cache
  tokenize   print the ids and character offsets a checkpoint's tokenizer produces
  demo-corpus  build the demo corpus from text Debian installs
  train-calculator  train the small attention calculator (resumable)
  eval-calculator   ROC AUC of CDS: held-out coherent documents vs spliced controls
  calibrate-calculator  choose the attention temperature on training documents

  ladm <command> --help   options of one command
  ladm --version

exit codes: 0 ok, 1 the work failed (message on stderr), 3 merge: some tasks missing or
incomplete, 64 bad command line
)";

} // namespace

int main(int argc, char** argv) {
    if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
        std::cout << kUsage;
        return argc < 2 ? ladm::cli::kUsage : ladm::cli::kOk;
    }
    if (!std::strcmp(argv[1], "--version")) {
        std::cout << "ladm " << LADM_VERSION << "\n";
        return 0;
    }
    const std::string cmd = argv[1];
    std::vector<std::string> args(argv + 2, argv + argc);
    if (cmd == "tokenize") return ladm::cli::cmd_tokenize(args);
    if (cmd == "score") return ladm::cli::cmd_score(args);
    if (cmd == "select") return ladm::cli::cmd_select(args);
    if (cmd == "stats") return ladm::cli::cmd_stats(args);
    if (cmd == "override") return ladm::cli::cmd_override(args);
    if (cmd == "export") return ladm::cli::cmd_export(args);
    if (cmd == "show") return ladm::cli::cmd_show(args);
    if (cmd == "merge") return ladm::cli::cmd_merge(args);
    if (cmd == "demo-corpus") return ladm::cli::cmd_demo_corpus(args);
    if (cmd == "train-calculator") return ladm::cli::cmd_train_calculator(args);
    if (cmd == "eval-calculator") return ladm::cli::cmd_eval_calculator(args);
    if (cmd == "calibrate-calculator") return ladm::cli::cmd_calibrate_calculator(args);
    std::cerr << "ladm: unknown command '" << cmd << "' (see ladm --help)\n";
    return ladm::cli::kUsage;
}
