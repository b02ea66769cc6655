// ladm add-punctuation-rule: the typographic-punctuation rule compiled by spm_train and
// spliced into a trained SentencePiece tokenizer.model.
#include "core/text/lexical.h"
#include "core/text/sp_normalizer.h"
#include "core/text/sp_tokenizer.h"
#include "core/text/tokenizer.h"
#include "core/text/utf8.h"
#include "train/tokenizer_rule.h"

#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <fstream>
#include <sstream>

using namespace ladm;

namespace {

std::string slurp(const std::string& p) {
    std::ifstream f(p, std::ios::binary);
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}

// A byte-fallback BPE trained on ASCII text only, as the bundled calculator's was.
std::string train_ascii_tokenizer(const QTemporaryDir& tmp) {
    const std::string dir = tmp.path().toStdString();
    {
        std::ofstream corpus(dir + "/corpus.txt");
        for (int r = 0; r < 60; ++r)
            corpus << "\"Quoted,\" she said... it's the dog's - and then - \"more\".\n"
                      "the quick brown fox jumps over the lazy dog\n";
    }
    std::string err;
    const bool ok = train_sentencepiece(
        "--input=" + dir + "/corpus.txt --model_prefix=" + dir +
            "/tokenizer --model_type=bpe --vocab_size=330 --byte_fallback=true"
            " --normalization_rule_name=identity --remove_extra_whitespaces=false"
            " --character_coverage=1.0 --unk_id=0 --bos_id=1 --eos_id=2 --minloglevel=2",
        &err);
    return ok ? std::string() : err;
}

} // namespace

class TestTokenizerRule : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void ruleTsv();
    void addRule();
    void refusesBadModels();
    void spliceKeepsOtherFields();
};

void TestTokenizerRule::ruleTsv() {
    const std::string tsv = punctuation_rule_tsv();
    QCOMPARE(size_t(std::count(tsv.begin(), tsv.end(), '\n')), ascii_punctuation_table().size());
    QVERIFY(tsv.find("2026\t2E 2E 2E\n") != std::string::npos); // … -> ...
    QVERIFY(tsv.find("201C\t22\n") != std::string::npos);       // “ -> "
    QVERIFY(tsv.find("A0\t20\n") != std::string::npos);         // no-break space -> space
}

void TestTokenizerRule::addRule() {
    QTemporaryDir tmp;
    const std::string dir = tmp.path().toStdString();
    const std::string trained = train_ascii_tokenizer(tmp);
    QVERIFY2(trained.empty(), trained.c_str());
    std::string err;
    auto before = Tokenizer::from_dir(dir, &err);
    QVERIFY2(before, err.c_str());
    const std::string curly = "\xE2\x80\x9CQuoted,\xE2\x80\x9D she said\xE2\x80\xA6 it\xE2\x80\x99s"
                              " \xE2\x80\x94 the\xC2\xA0"
                              "dog";
    const std::string ascii = ascii_punctuation(curly);
    QCOMPARE(ascii, std::string("\"Quoted,\" she said... it's - the dog"));
    // Without the rule the typographic forms are byte-fallback pieces.
    QVERIFY(before->encode(curly).ids != before->encode(ascii).ids);

    PunctuationRuleResult r;
    QVERIFY2(add_punctuation_rule(dir, &r, &err), err.c_str());
    QCOMPARE(r.previous_rule, std::string("identity"));
    QCOMPARE(size_t(r.characters), ascii_punctuation_table().size());
    auto after = Tokenizer::from_dir(dir, &err);
    QVERIFY2(after, err.c_str());
    // The pieces are the same; ASCII text encodes as before; typographic text as ASCII.
    QCOMPARE(after->vocab_size(), before->vocab_size());
    for (int32_t id = 0; id < after->vocab_size(); ++id)
        QCOMPARE(after->token_string(id), before->token_string(id));
    QCOMPARE(after->encode(ascii).ids, before->encode(ascii).ids);
    const Encoding e = after->encode(curly);
    QCOMPARE(e.ids, before->encode(ascii).ids);
    // Offsets still tile the original text, whose characters the tokens own.
    int64_t pos = 0;
    for (const auto& [b, en] : e.offsets) {
        QCOMPARE(b, pos);
        QVERIFY(en >= b);
        pos = en;
    }
    QCOMPARE(pos, int64_t(utf8::CharIndex(curly).size()));

    // Again: the rule is replaced by itself.
    QVERIFY2(add_punctuation_rule(dir, &r, &err), err.c_str());
    QCOMPARE(r.previous_rule, std::string("user_defined"));
    QCOMPARE(Tokenizer::from_dir(dir, &err)->encode(curly).ids, e.ids);
}

void TestTokenizerRule::refusesBadModels() {
    QTemporaryDir tmp;
    const std::string dir = tmp.path().toStdString();
    PunctuationRuleResult r;
    std::string err;
    QVERIFY(!add_punctuation_rule(dir, &r, &err));
    QVERIFY2(err.find(dir + "/tokenizer.model") != std::string::npos, err.c_str());

    const std::string junk = "\x0a\xff\xff\xff\xff\x0f not a model";
    std::ofstream(dir + "/tokenizer.model", std::ios::binary) << junk;
    err.clear();
    QVERIFY(!add_punctuation_rule(dir, &r, &err));
    QVERIFY2(err.find(dir + "/tokenizer.model") != std::string::npos, err.c_str());
    QCOMPARE(slurp(dir + "/tokenizer.model"), junk); // unchanged
    QVERIFY(!QFile::exists(tmp.filePath("tokenizer.model.rule-tmp")));
}

void TestTokenizerRule::spliceKeepsOtherFields() {
    // Hand-made messages: model = {1: "piece"} {3: {1: "identity", 4: 0}} {5: "x"};
    // donor = {3: {1: "user_defined", 2: "MAP", 6: "rule.tsv"}}.
    const std::string model = std::string("\x0a\x05piece\x1a\x0c\x0a\x08identity\x20\x00", 21) +
                              std::string("\x2a\x01x", 3);
    const std::string donor =
        std::string("\x1a\x1d\x0a\x0cuser_defined\x12\x03MAP") + std::string("\x32\x08rule.tsv");
    std::string out, err;
    QVERIFY2(splice_normalizer(model, donor, &out, &err), err.c_str());
    QCOMPARE(normalizer_name(out), std::string("user_defined"));
    const std::string expected =
        std::string("\x0a\x05piece") +
        std::string("\x1a\x15\x0a\x0cuser_defined\x12\x03MAP\x20\x00", 23) +
        std::string("\x2a\x01x", 3);
    QCOMPARE(out, expected);
    // A donor without a compiled rule, a truncated model, an unknown wire type: refused.
    QVERIFY(!splice_normalizer(model, model, &out, &err));
    QVERIFY(err.find("precompiled_charsmap") != std::string::npos);
    QVERIFY(!splice_normalizer(model.substr(0, 10), donor, &out, &err));
    QVERIFY(!splice_normalizer(std::string("\x0b", 1), donor, &out, &err));
    QCOMPARE(normalizer_name("\xff"), std::string());
}

QTEST_GUILESS_MAIN(TestTokenizerRule)
#include "tst_tokenizer_rule.moc"
