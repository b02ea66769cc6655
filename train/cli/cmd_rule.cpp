// ladm add-punctuation-rule DIR
#include "cli/args.h"
#include "train/cli/train_commands.h"
#include "train/tokenizer_rule.h"

#include <iostream>
#include <nlohmann/json.hpp>

namespace ladm::cli {

namespace {
const char* kHelp = R"(usage: ladm add-punctuation-rule DIR

Adds the typographic-punctuation rule to DIR/tokenizer.model (a SentencePiece tokenizer):
curly quotes, primes and guillemets become ' and ", dashes -, the ellipsis ..., no-break and
other Unicode spaces a space, before the text is cut into pieces. SentencePiece applies the
rule itself, so every program that loads DIR (this one, transformers) tokenizes alike, and
offsets still point into the original text. The pieces are unchanged. For a tokenizer
trained on text typeset with ASCII punctuation, whose vocabulary has no pieces for the
typographic forms: a book with curly quotes would otherwise become byte-fallback pieces.
The rule replaces the tokenizer's previous normalization (printed). Needs spm_train.
Scores cached for DIR's old tokenizer are for a different model: rescore.
)";
} // namespace

int cmd_add_punctuation_rule(const std::vector<std::string>& argv) {
    Args a(argv, {"help"}, {});
    if (a.flag("help")) {
        std::cout << kHelp;
        return kOk;
    }
    if (!a.ok() || a.positional().size() != 1) {
        std::cerr << "ladm add-punctuation-rule: "
                  << (a.ok() ? "one DIR (a model folder) is required" : a.error()) << "\n";
        return kUsage;
    }
    PunctuationRuleResult r;
    std::string error;
    if (!add_punctuation_rule(a.positional()[0], &r, &error)) {
        std::cerr << "ladm add-punctuation-rule: " << error << "\n";
        return kFailure;
    }
    std::cout << nlohmann::json{{"model", a.positional()[0]},
                                {"previous_rule", r.previous_rule},
                                {"characters_mapped", r.characters}}
                     .dump(2)
              << "\n";
    return kOk;
}

} // namespace ladm::cli
