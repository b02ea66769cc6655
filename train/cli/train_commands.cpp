#include "train/cli/train_commands.h"

namespace ladm::cli {

const std::vector<Command>& train_commands() {
    static const std::vector<Command> commands = {
        {"train-calculator", "train the small attention calculator (resumable)",
         cmd_train_calculator},
        {"eval-calculator", "ROC AUC of CDS: held-out coherent documents vs spliced controls",
         cmd_eval_calculator},
        {"calibrate-calculator", "choose the attention temperature on training documents",
         cmd_calibrate_calculator},
        {"add-punctuation-rule", "give a SentencePiece tokenizer the ASCII punctuation rule",
         cmd_add_punctuation_rule},
    };
    return commands;
}

} // namespace ladm::cli
