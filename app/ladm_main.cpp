// ladm: score, select and export long-context pre-training data with LADM.
#include "app/commands.h"
#include "train/cli/train_commands.h"

#include <cstdio>
#include <cstring>
#include <iostream>

namespace {

using ladm::cli::Command;

std::vector<Command> all_commands() {
    using namespace ladm::cli;
    std::vector<Command> c = {
        {"score", "score a corpus (.jsonl/.gz/.zst, text directories) into a SQLite cache",
         cmd_score},
        {"select", "choose samples: reference budget loop, budget-exact, thresholds, top",
         cmd_select},
        {"export", "write a selection (original records + score) and its selection.json",
         cmd_export},
        {"stats", "per-domain counts, tokens and CDS quantiles", cmd_stats},
        {"show", "one sample's spans and strongest distant dependencies", cmd_show},
        {"override", "keep or reject one sample by hand", cmd_override},
        {"merge", "ingest a cluster run's task files (score --shard-dir) into a cache", cmd_merge},
        {"tokenize", "print the ids and character offsets a checkpoint's tokenizer produces",
         cmd_tokenize},
        {"demo-corpus", "build the demo corpus from text Debian installs", cmd_demo_corpus},
    };
    for (const auto& t : train_commands())
        c.push_back(t);
    return c;
}

void print_usage(const std::vector<Command>& commands) {
    std::printf("usage: ladm <command> [options]\n\ncommands:\n");
    for (const auto& c : commands)
        std::printf("  %-21s %s\n", c.name, c.summary);
    std::printf("\n  ladm <command> --help   options of one command\n  ladm --version\n\n"
                "exit codes: 0 ok, 1 the work failed (message on stderr), 3 merge: some tasks "
                "missing or\nincomplete, 64 bad command line\n");
}

} // namespace

int main(int argc, char** argv) {
    const auto commands = all_commands();
    if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
        print_usage(commands);
        return argc < 2 ? ladm::cli::kUsage : ladm::cli::kOk;
    }
    if (!std::strcmp(argv[1], "--version")) {
        std::cout << "ladm " << LADM_VERSION << "\n";
        return 0;
    }
    const std::string cmd = argv[1];
    const std::vector<std::string> args(argv + 2, argv + argc);
    for (const auto& c : commands)
        if (cmd == c.name) return c.run(args);
    std::cerr << "ladm: unknown command '" << cmd << "' (see ladm --help)\n";
    return ladm::cli::kUsage;
}
