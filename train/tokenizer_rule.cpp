#include "train/tokenizer_rule.h"

#include "core/text/lexical.h"
#include "core/text/sp_normalizer.h"
#include "core/text/sp_tokenizer.h"
#include "core/text/utf8.h"
#include "train/detail/calculator_export.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace fs = std::filesystem;

namespace ladm {

namespace {

std::string hex_code_points(std::string_view text) {
    std::string out;
    for (size_t i = 0; i < text.size();) {
        char buf[16];
        std::snprintf(buf, sizeof buf, "%s%X", out.empty() ? "" : " ",
                      unsigned(utf8::next(text, i)));
        out += buf;
    }
    return out;
}

std::string utf8_of(char32_t c) {
    std::string s;
    utf8::append(&s, c);
    return s;
}

bool read_file(const fs::path& p, std::string* out) {
    std::ifstream f(p, std::ios::binary);
    if (!f) return false;
    std::ostringstream ss;
    ss << f.rdbuf();
    *out = ss.str();
    return bool(f) || f.eof();
}

} // namespace

std::string punctuation_rule_tsv() {
    std::string tsv;
    for (const auto& [from, to] : ascii_punctuation_table())
        tsv += hex_code_points(utf8_of(from)) + "\t" + hex_code_points(to) + "\n";
    return tsv;
}

bool add_punctuation_rule(const std::string& model_dir, PunctuationRuleResult* result,
                          std::string* error) {
    const fs::path model_path = fs::path(model_dir) / "tokenizer.model";
    std::string model;
    if (!read_file(model_path, &model)) {
        *error = model_path.string() +
                 ": cannot read it (the rule is for SentencePiece tokenizer.model files)";
        return false;
    }
    result->previous_rule = normalizer_name(model);

    // The rule compiled by spm_train into a throw-away character model.
    std::error_code ec;
    const fs::path work =
        fs::temp_directory_path() / ("ladm-punctuation-rule-" + std::to_string(::getpid()));
    fs::remove_all(work, ec);
    fs::create_directories(work, ec);
    struct Cleanup {
        fs::path p;
        ~Cleanup() {
            std::error_code e;
            fs::remove_all(p, e);
        }
    } cleanup{work};
    {
        std::ofstream tsv(work / "rule.tsv"), input(work / "input.txt");
        tsv << punctuation_rule_tsv();
        for (int i = 0; i < 20; ++i)
            input << "the rule is compiled from this text, not learnt from it\n";
        if (!tsv || !input) {
            *error = work.string() + ": cannot write the rule's files";
            return false;
        }
    }
    if (!run_spm_train("--input=input.txt --model_prefix=rule --model_type=char"
                       " --vocab_size=64 --hard_vocab_limit=false"
                       " --normalization_rule_tsv=rule.tsv --minloglevel=2",
                       (work / "spm_train.log").string(), work.string(), error)) {
        // the work folder (and the log the error names) is removed on return: keep its text
        std::string log;
        read_file(work / "spm_train.log", &log);
        *error = model_path.string() + ": compiling the rule: " + *error +
                 (log.empty() ? std::string() : ":\n" + log);
        return false;
    }
    std::string donor, spliced;
    if (!read_file(work / "rule.model", &donor)) {
        *error = model_path.string() + ": compiling the rule: spm_train wrote no model";
        return false;
    }
    if (!splice_normalizer(model, donor, &spliced, error)) {
        *error = model_path.string() + ": " + *error;
        return false;
    }

    // Check before replacing: every mapped character encodes as its ASCII form.
    const fs::path tmp = model_path.string() + ".rule-tmp";
    {
        std::ofstream f(tmp, std::ios::binary);
        f << spliced;
        if (!f) {
            *error = tmp.string() + ": write failed";
            return false;
        }
    }
    std::string text;
    for (const auto& [from, to] : ascii_punctuation_table())
        text += "a" + utf8_of(from) + "b ";
    auto tok = load_sp_tokenizer(tmp.string(), SpOptions{}, error);
    if (!tok || tok->encode(text).ids != tok->encode(ascii_punctuation(text)).ids) {
        if (tok) *error = "the spliced tokenizer does not encode the rule's characters as ASCII";
        *error = model_path.string() + ": " + *error + " (left unchanged)";
        fs::remove(tmp, ec);
        return false;
    }
    fs::rename(tmp, model_path, ec);
    if (ec) {
        *error = model_path.string() + ": " + ec.message();
        fs::remove(tmp, ec);
        return false;
    }
    result->characters = int(ascii_punctuation_table().size());
    return true;
}

} // namespace ladm
