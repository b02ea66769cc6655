// ladm tokenize --model DIR [--text TEXT] [--no-special]
// Prints what the calculator sees: ids, each token's character offsets and its string.
#include "app/commands.h"
#include "core/text/tokenizer.h"

#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>

namespace ladm::cli {

namespace {
const char* kHelp = R"(usage: ladm tokenize --model DIR [--text TEXT] [--no-special]

Tokenizes TEXT (or standard input) with the tokenizer of the checkpoint folder DIR
(tokenizer.json or tokenizer.model, plus tokenizer_config.json; DIR may hold only
these) and prints one JSON object:
  {"tokenizer": "bpe"|"sentencepiece", "ids": [...], "offsets": [[begin, end], ...],
   "tokens": [...]}
Offsets count characters (code points) of the input; invalid UTF-8 is replaced by
U+FFFD first. --no-special leaves out BOS/EOS.
)";
}

int cmd_tokenize(const std::vector<std::string>& args) {
    std::string model, text;
    bool have_text = false, special = true;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--help" || a == "-h") {
            std::cout << kHelp;
            return kOk;
        } else if ((a == "--model" || a == "--text") && i + 1 < args.size()) {
            (a == "--model" ? model : text) = args[++i];
            if (a == "--text") have_text = true;
        } else if (a == "--no-special") {
            special = false;
        } else {
            std::cerr << "ladm tokenize: unexpected argument '" << a << "'\n" << kHelp;
            return kUsage;
        }
    }
    if (model.empty()) {
        std::cerr << "ladm tokenize: --model DIR is required\n";
        return kUsage;
    }
    if (!have_text)
        text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    std::string err;
    auto tok = Tokenizer::from_dir(model, &err);
    if (!tok) {
        std::cerr << "ladm tokenize: " << err << "\n";
        return kFailure;
    }
    const Encoding e = tok->encode(text, special);
    if (!e.error.empty()) {
        std::cerr << "ladm tokenize: " << e.error << "\n";
        return kFailure;
    }
    nlohmann::json out;
    out["tokenizer"] = tok->kind();
    out["ids"] = e.ids;
    out["offsets"] = nlohmann::json::array();
    out["tokens"] = nlohmann::json::array();
    for (size_t i = 0; i < e.ids.size(); ++i) {
        out["offsets"].push_back({e.offsets[i].first, e.offsets[i].second});
        out["tokens"].push_back(tok->token_string(e.ids[i]));
    }
    std::cout << out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return kOk;
}

} // namespace ladm::cli
