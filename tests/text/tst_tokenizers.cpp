// Tokenizers on small tokenizer.json / SentencePiece models built by the test, with the
// expected ids worked out by hand from the merges.
#include "core/text/sp_tokenizer.h"
#include "core/text/tokenizer.h"
#include "core/text/utf8.h"
#include "tests/text/tokenizer_checks.h"

#include <QTemporaryDir>
#include <QtTest>

#include <fstream>
#include <nlohmann/json.hpp>

using namespace ladm;
using nlohmann::json;

namespace {

// GPT-2 byte-to-unicode: printable Latin-1 bytes stand for themselves, the others for
// U+0100 + n in byte order.
std::string byte_char(int b) {
    static std::vector<std::string> table = [] {
        std::vector<std::string> t(256);
        int n = 0;
        for (int x = 0; x < 256; ++x) {
            const bool printable = (x >= 33 && x <= 126) || (x >= 161 && x <= 172) || (x >= 174);
            std::string s;
            utf8::append(&s, printable ? char32_t(x) : char32_t(256 + n++));
            t[size_t(x)] = s;
        }
        return t;
    }();
    return table[size_t(b)];
}

const char* kLlama3Pattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

// Byte-level vocabulary: id = byte value for the 256 byte symbols, then merges:
//   rank 0  Ġ t    -> Ġt    256        rank 4  e ll   -> ell   260
//   rank 1  h e    -> he    257        rank 5  h ell  -> hell  261
//   rank 2  Ġt he  -> Ġthe  258        rank 6  hell o -> hello 262
//   rank 3  l l    -> ll    259        rank 7  1 2    -> 12    263
//                                      rank 8  Ġ Ġ    -> ĠĠ    264
json byte_level_tokenizer(const json& pre_tokenizer, bool ignore_merges = false) {
    json vocab = json::object();
    for (int b = 0; b < 256; ++b)
        vocab[byte_char(b)] = b;
    const std::vector<std::pair<std::string, std::string>> merges = {
        {byte_char(' '), "t"},
        {"h", "e"},
        {byte_char(' ') + "t", "he"},
        {"l", "l"},
        {"e", "ll"},
        {"h", "ell"},
        {"hell", "o"},
        {"1", "2"},
        {byte_char(' '), byte_char(' ')}};
    json m = json::array();
    int id = 256;
    for (const auto& [a, b] : merges) {
        vocab[a + b] = id++;
        m.push_back(a + " " + b);
    }
    return {{"version", "1.0"},
            {"added_tokens", json::array({{{"id", 300},
                                           {"content", "<|end|>"},
                                           {"special", true},
                                           {"lstrip", false},
                                           {"rstrip", false},
                                           {"single_word", false},
                                           {"normalized", false}}})},
            {"normalizer", nullptr},
            {"pre_tokenizer", pre_tokenizer},
            {"post_processor",
             {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", false}}},
            {"decoder", {{"type", "ByteLevel"}}},
            {"model",
             {{"type", "BPE"},
              {"vocab", vocab},
              {"merges", m},
              {"ignore_merges", ignore_merges},
              {"byte_fallback", false},
              {"unk_token", nullptr}}}};
}

json gpt2_pre() {
    return {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", true}};
}
json llama3_pre() {
    return {{"type", "Sequence"},
            {"pretokenizers",
             {{{"type", "Split"},
               {"pattern", {{"Regex", kLlama3Pattern}}},
               {"behavior", "Isolated"},
               {"invert", false}},
              {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", false}}}}};
}

// Llama-2-style tokenizer.json: Prepend("▁") + Replace(" " -> "▁"), byte fallback.
//   0 <unk>  1 <s>  2 </s>  3..258 <0x00>..<0xFF>  259 ▁  260 h  261 i  262 ▁h  263 ▁hi  264 é
//   merges: rank 0 "▁ h" -> ▁h, rank 1 "▁h i" -> ▁hi
json llama2_tokenizer() {
    json vocab = {{"<unk>", 0}, {"<s>", 1}, {"</s>", 2}};
    for (int b = 0; b < 256; ++b) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "<0x%02X>", b);
        vocab[buf] = 3 + b;
    }
    vocab["\xE2\x96\x81"] = 259;
    vocab["h"] = 260;
    vocab["i"] = 261;
    vocab["\xE2\x96\x81h"] = 262;
    vocab["\xE2\x96\x81hi"] = 263;
    vocab["\xC3\xA9"] = 264;
    auto added = [](int id, const char* s) {
        return json{{"id", id},           {"content", s},    {"special", true},
                    {"lstrip", false},    {"rstrip", false}, {"single_word", false},
                    {"normalized", false}};
    };
    return {
        {"added_tokens", {added(0, "<unk>"), added(1, "<s>"), added(2, "</s>")}},
        {"normalizer",
         {{"type", "Sequence"},
          {"normalizers",
           {{{"type", "Prepend"}, {"prepend", "\xE2\x96\x81"}},
            {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", "\xE2\x96\x81"}}}}}},
        {"pre_tokenizer", nullptr},
        {"post_processor",
         {{"type", "TemplateProcessing"},
          {"single",
           {{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}},
            {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}}},
          {"special_tokens", {{"<s>", {{"id", "<s>"}, {"ids", {1}}, {"tokens", {"<s>"}}}}}}}},
        {"decoder",
         {{"type", "Sequence"},
          {"decoders",
           {{{"type", "Replace"}, {"pattern", {{"String", "\xE2\x96\x81"}}}, {"content", " "}},
            {{"type", "ByteFallback"}},
            {{"type", "Fuse"}},
            {{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}}}}}},
        {"model",
         {{"type", "BPE"},
          {"vocab", vocab},
          {"merges", {"\xE2\x96\x81 h", "\xE2\x96\x81h i"}},
          {"byte_fallback", true},
          {"fuse_unk", true},
          {"unk_token", "<unk>"}}}};
}

} // namespace

class TestTokenizers : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void byteLevel_data();
    void byteLevel();
    void ignoreMerges();
    void addedTokensMatchedFirst();
    void llama2Style();
    void nfcNormalizer();
    void invalidUtf8();
    void malformedFiles_data();
    void malformedFiles();
    void impossibleIds_data();
    void impossibleIds();
    void regexGivesUp();
    void sentencePiece();
    void utf8Repair();

  private:
    std::unique_ptr<Tokenizer> load(const json& tokenizer, const json& config = json());
    QTemporaryDir m_tmp;
    int m_n = 0;
};

std::unique_ptr<Tokenizer> TestTokenizers::load(const json& tokenizer, const json& config) {
    const QString dir = m_tmp.filePath(QString("t%1").arg(m_n++));
    QDir().mkpath(dir);
    std::ofstream(dir.toStdString() + "/tokenizer.json") << tokenizer.dump();
    if (!config.is_null())
        std::ofstream(dir.toStdString() + "/tokenizer_config.json") << config.dump();
    std::string err;
    auto t = Tokenizer::from_dir(dir.toStdString(), &err);
    if (!t) qWarning("%s", err.c_str());
    return t;
}

void TestTokenizers::byteLevel_data() {
    QTest::addColumn<bool>("llama3");
    QTest::addColumn<QString>("text");
    QTest::addColumn<QList<int>>("ids");
    // "hello": h e l l o. Lowest rank first: (h,e) r1 -> he l l o; then (l,l) r3 -> he ll o.
    // (e,ll) r4 can no longer apply because e was merged into he: 257 259 111.
    // " the": Ġ t h e -> (Ġ,t) r0 -> Ġt h e -> (h,e) r1 -> Ġt he -> (Ġt,he) r2 -> 258.
    // " world": no merges -> bytes 32 119 111 114 108 100.
    QTest::newRow("gpt2 merges by rank")
        << false << "hello the world"
        << QList<int>{257, 259, 111, 258, 32, 119, 111, 114, 108, 100};
    // GPT-2 regex keeps digit runs whole: "12345" -> (1,2) r7 -> 263 51 52 53.
    QTest::newRow("gpt2 digits") << false << "12345" << QList<int>{263, 51, 52, 53};
    // Llama 3 splits numbers in groups of up to 3: "123" "45" -> 263 51 | 52 53.
    QTest::newRow("llama3 digits 3+2") << true << "12345" << QList<int>{263, 51, 52, 53};
    // "1212": llama3 -> "121" "2" -> 263 49 | 50; gpt2 -> one piece -> 263 263.
    QTest::newRow("llama3 digits split") << true << "1212" << QList<int>{263, 49, 50};
    QTest::newRow("gpt2 digits whole") << false << "1212" << QList<int>{263, 263};
    // Contractions: "don't" -> "don" "'t" (ids are bytes either way).
    QTest::newRow("llama3 contraction") << true << "don't" << QList<int>{100, 111, 110, 39, 116};
    // "a   b": "a", "  " (\s+(?!\S) stops before the last space), " b":
    // 97 | (Ġ,Ġ) r8 -> 264 | 32 98.
    QTest::newRow("llama3 space run") << true << "a   b" << QList<int>{97, 264, 32, 98};
    // Case-insensitive contraction group: "'S" is its own piece.
    QTest::newRow("llama3 'S") << true << "IT'S" << QList<int>{73, 84, 39, 83};
    // Newlines: "a\n\n b" -> "a", "\n\n", " b"; CJK and emoji become their UTF-8 bytes.
    QTest::newRow("llama3 newlines") << true << "a\n\n b" << QList<int>{97, 10, 10, 32, 98};
    QTest::newRow("llama3 CJK bytes") << true << "\xE4\xBD\xA0" << QList<int>{0xE4, 0xBD, 0xA0};
    QTest::newRow("emoji ZWJ bytes")
        << true << "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9"
        << QList<int>{0xF0, 0x9F, 0x91, 0xA8, 0xE2, 0x80, 0x8D, 0xF0, 0x9F, 0x91, 0xA9};
}

void TestTokenizers::byteLevel() {
    QFETCH(bool, llama3);
    QFETCH(QString, text);
    QFETCH(QList<int>, ids);
    auto t = load(byte_level_tokenizer(llama3 ? llama3_pre() : gpt2_pre()));
    QVERIFY(t);
    const Encoding e = t->encode(text.toStdString());
    QCOMPARE(QList<int>(e.ids.begin(), e.ids.end()), ids);
    const QString problem = test::check_offsets(*t, e);
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
}

void TestTokenizers::ignoreMerges() {
    // With ignore_merges a pre-token that is itself in the vocabulary is one token, even
    // though the merges would not reach it ("hello" -> 262 rather than 257 259 111).
    auto with = load(byte_level_tokenizer(gpt2_pre(), true));
    auto without = load(byte_level_tokenizer(gpt2_pre(), false));
    QCOMPARE(with->encode("hello").ids, (std::vector<int32_t>{262}));
    QCOMPARE(without->encode("hello").ids, (std::vector<int32_t>{257, 259, 111}));
}

void TestTokenizers::addedTokensMatchedFirst() {
    auto t = load(byte_level_tokenizer(llama3_pre()));
    // "hi" | <|end|> | "there": t (h,e)->he r e  -> 116 257 114 101
    const Encoding e = t->encode("hi<|end|>there");
    QCOMPARE(e.ids, (std::vector<int32_t>{104, 105, 300, 116, 257, 114, 101}));
    QCOMPARE(e.offsets[2], (std::pair<int64_t, int64_t>{2, 9}));
    QVERIFY(e.special[2]);
    QVERIFY(test::check_offsets(*t, e).isEmpty());
    // A partial special string is ordinary text.
    QCOMPARE(t->encode("<|end").ids, (std::vector<int32_t>{60, 124, 101, 110, 100}));
}

void TestTokenizers::llama2Style() {
    auto t = load(
        llama2_tokenizer(),
        json{{"tokenizer_class", "LlamaTokenizer"}, {"add_bos_token", true}, {"bos_token", "<s>"}});
    QVERIFY(t);
    // "hi hi" -> normalized "▁hi▁hi" -> (▁,h) r0, (▁h,i) r1 twice -> <s> ▁hi ▁hi
    Encoding e = t->encode("hi hi");
    QCOMPARE(e.ids, (std::vector<int32_t>{1, 263, 263}));
    QCOMPARE(e.offsets, (std::vector<std::pair<int64_t, int64_t>>{{0, 0}, {0, 2}, {2, 5}}));
    QVERIFY(test::check_offsets(*t, e).isEmpty());
    QCOMPARE(t->decode(e.ids), std::string("hi hi"));
    // "hé你": ▁ h -> ▁h; é in vocab; 你 is not: byte fallback E4 BD A0 -> 3+0xE4 ...
    // The character belongs to the byte token that completes it.
    e = t->encode("h\xC3\xA9\xE4\xBD\xA0");
    QCOMPARE(e.ids, (std::vector<int32_t>{1, 262, 264, 3 + 0xE4, 3 + 0xBD, 3 + 0xA0}));
    QCOMPARE(e.offsets, (std::vector<std::pair<int64_t, int64_t>>{
                            {0, 0}, {0, 1}, {1, 2}, {2, 2}, {2, 2}, {2, 3}}));
    QVERIFY(test::check_offsets(*t, e).isEmpty());
    // only "<0x" + two hex digits + ">" is a byte; other look-alikes are ordinary tokens
    QCOMPARE(byte_fallback_value("<0x0A>"), 10);
    QCOMPARE(byte_fallback_value("<0xfe>"), 0xFE);
    QCOMPARE(byte_fallback_value("<0xZZ>"), -1);
    QCOMPARE(byte_fallback_value("<0x+1>"), -1);
    QCOMPARE(byte_fallback_value("<0x0A"), -1);
    QCOMPARE(t->token_bytes(3 + 0x0A), std::string("\n"));
    json odd = llama2_tokenizer();
    odd["model"]["vocab"]["<0xZZ>"] = 265;
    auto t2 = load(odd, json{{"tokenizer_class", "LlamaTokenizer"}});
    QVERIFY(t2);
    QCOMPARE(t2->token_bytes(265), std::string("<0xZZ>"));
    // add_bos_token false in tokenizer_config.json overrides the template
    auto nobos = load(llama2_tokenizer(),
                      json{{"tokenizer_class", "LlamaTokenizerFast"}, {"add_bos_token", false}});
    QCOMPARE(nobos->encode("hi").ids, (std::vector<int32_t>{263}));
}

void TestTokenizers::nfcNormalizer() {
    json tj = byte_level_tokenizer(gpt2_pre());
    tj["normalizer"] = {{"type", "NFC"}};
    auto nfc = load(tj);
    auto raw = load(byte_level_tokenizer(gpt2_pre()));
    // "e" + U+0301 -> NFC "é" (C3 A9): two byte tokens; the first completes nothing, the
    // second owns both source characters.
    const std::string s = "e\xCC\x81";
    Encoding e = nfc->encode(s);
    QCOMPARE(e.ids, (std::vector<int32_t>{0xC3, 0xA9}));
    QCOMPARE(e.offsets, (std::vector<std::pair<int64_t, int64_t>>{{0, 0}, {0, 2}}));
    QVERIFY(test::check_offsets(*nfc, e, true).isEmpty());
    QCOMPARE(raw->encode(s).ids, (std::vector<int32_t>{101, 0xCC, 0x81}));
}

void TestTokenizers::invalidUtf8() {
    auto t = load(byte_level_tokenizer(gpt2_pre()));
    // 0xFF is never valid: replaced by U+FFFD (EF BF BD) before tokenizing.
    const Encoding e = t->encode("a\xFF"
                                 "b");
    QCOMPARE(e.text, std::string("a\xEF\xBF\xBD"
                                 "b"));
    QCOMPARE(e.ids, (std::vector<int32_t>{97, 0xEF, 0xBF, 0xBD, 98}));
    QCOMPARE(e.offsets.back(), (std::pair<int64_t, int64_t>{2, 3}));
}

void TestTokenizers::malformedFiles_data() {
    QTest::addColumn<QString>("what");
    QTest::addColumn<QString>("expect");
    QTest::newRow("bad json") << "badjson"
                              << "not valid JSON";
    QTest::newRow("unknown model type") << "wordpiece"
                                        << "model.type";
    QTest::newRow("merge names unknown token") << "badmerge"
                                               << "model.merges[0]";
    QTest::newRow("unknown pre-tokenizer") << "badpre"
                                           << "pre_tokenizer.type";
    QTest::newRow("bad tokenizer_config") << "badconfig"
                                          << "tokenizer_config.json";
}

void TestTokenizers::malformedFiles() {
    QFETCH(QString, what);
    QFETCH(QString, expect);
    const QString dir = m_tmp.filePath("bad_" + what);
    QDir().mkpath(dir);
    json tj = byte_level_tokenizer(gpt2_pre());
    std::string text = tj.dump();
    if (what == "badjson") text = "{\"model\": {";
    if (what == "wordpiece") tj["model"]["type"] = "WordPiece", text = tj.dump();
    if (what == "badmerge") tj["model"]["merges"][0] = "zz q", text = tj.dump();
    if (what == "badpre") tj["pre_tokenizer"] = {{"type", "Mystery"}}, text = tj.dump();
    if (what == "badconfig") std::ofstream(dir.toStdString() + "/tokenizer_config.json") << "{nope";
    std::ofstream(dir.toStdString() + "/tokenizer.json") << text;
    std::string err;
    QVERIFY(!Tokenizer::from_dir(dir.toStdString(), &err));
    QVERIFY2(QString::fromStdString(err).contains(expect), err.c_str());
    QVERIFY2(QString::fromStdString(err).contains(what == "badconfig" ? "tokenizer_config.json"
                                                                      : "tokenizer.json"),
             err.c_str());
    if (what == "badmerge") QVERIFY2(err.find("'zz'") != std::string::npos, err.c_str());
}

void TestTokenizers::impossibleIds_data() {
    // Each used to end the process (std::length_error, bad_alloc) or, for ids past 2^32,
    // wrap around to another token's id.
    QTest::addColumn<QString>("where");
    QTest::addColumn<qint64>("id");
    QTest::addColumn<QString>("field");
    QTest::newRow("added token -3") << "added" << qint64(-3) << "added_tokens[0]";
    QTest::newRow("added token 2^31+5") << "added" << (qint64(1) << 31) + 5 << "added_tokens[0]";
    QTest::newRow("vocab 3e8") << "vocab" << qint64(300000000) << "model.vocab";
    QTest::newRow("vocab 2^31-1") << "vocab" << (qint64(1) << 31) - 1 << "model.vocab";
    QTest::newRow("vocab 2^32+7 (wrapped to 7)")
        << "vocab" << (qint64(1) << 32) + 7 << "model.vocab";
    QTest::newRow("special token id 2^40") << "post" << (qint64(1) << 40) << "post_processor";
}

void TestTokenizers::impossibleIds() {
    QFETCH(QString, where);
    QFETCH(qint64, id);
    QFETCH(QString, field);
    json tj = byte_level_tokenizer(gpt2_pre());
    if (where == "added")
        tj["added_tokens"] = json::array({{{"id", id}, {"content", "<|x|>"}, {"special", true}}});
    else if (where == "vocab")
        tj["model"]["vocab"]["zzz"] = id;
    else
        tj["post_processor"] = {
            {"type", "TemplateProcessing"},
            {"single", json::array({{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}},
                                    {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}})},
            {"special_tokens", {{"<s>", {{"id", "<s>"}, {"ids", json::array({id})}}}}}};
    const QString dir = m_tmp.filePath(QString("ids%1").arg(m_n++));
    QDir().mkpath(dir);
    std::ofstream(dir.toStdString() + "/tokenizer.json") << tj.dump();
    std::string err;
    QVERIFY(!Tokenizer::from_dir(dir.toStdString(), &err));
    QVERIFY2(QString::fromStdString(err).contains("tokenizer.json"), err.c_str());
    QVERIFY2(QString::fromStdString(err).contains(field), err.c_str());
    QVERIFY2(QString::fromStdString(err).contains("out of range"), err.c_str());
}

void TestTokenizers::regexGivesUp() {
    // A pre-tokenizer regex that backtracks catastrophically on this text hits PCRE2's match
    // limit. The encoding says so (it used to stop splitting silently and tokenize the
    // rest otherwise); the next text is encoded as usual.
    json pre = {{"type", "Sequence"},
                {"pretokenizers",
                 {{{"type", "Split"},
                   {"pattern", {{"Regex", "(a+)+$"}}},
                   {"behavior", "Isolated"},
                   {"invert", false}},
                  {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", false}}}}};
    auto t = load(byte_level_tokenizer(pre));
    QVERIFY(t);
    const Encoding bad = t->encode(std::string(40, 'a') + "b", false);
    QVERIFY2(bad.error.find("regex") != std::string::npos, bad.error.c_str());
    QVERIFY2(bad.error.find("tokenizer.json") != std::string::npos, bad.error.c_str());
    QVERIFY(bad.ids.empty());
    const Encoding good = t->encode("hello", false);
    QVERIFY(good.error.empty());
    QVERIFY(!good.ids.empty());
}

void TestTokenizers::sentencePiece() {
    // Train a small BPE model with byte fallback, identity normalization and digit
    // splitting (Llama's settings) on a few KB of text.
    const QString dir = m_tmp.filePath("sp");
    QDir().mkpath(dir);
    {
        std::ofstream corpus(dir.toStdString() + "/corpus.txt");
        const char* lines[] = {"the quick brown fox jumps over the lazy dog",
                               "in the beginning was the word and the word was with god",
                               "numbers like 2024 and 42 appear in text 7 times",
                               "a curator picks long documents that teach long context"};
        for (int r = 0; r < 60; ++r)
            for (const char* l : lines)
                corpus << l << "\n";
    }
    std::string err;
    const std::string flags =
        "--input=" + dir.toStdString() + "/corpus.txt --model_prefix=" + dir.toStdString() +
        "/tokenizer --model_type=bpe --vocab_size=320 --byte_fallback=true"
        " --normalization_rule_name=identity --remove_extra_whitespaces=false"
        " --split_digits=true --character_coverage=1.0 --unk_id=0 --bos_id=1 --eos_id=2"
        " --minloglevel=2";
    QVERIFY2(train_sentencepiece(flags, &err), err.c_str());
    auto t = Tokenizer::from_dir(dir.toStdString(), &err);
    QVERIFY2(t, err.c_str());
    QCOMPARE(QString::fromStdString(t->kind()), QString("sentencepiece"));

    // BOS by default (LlamaTokenizer), digits one per piece, dummy prefix "▁".
    Encoding e = t->encode("the 2024 fox");
    QCOMPARE(e.ids.front(), 1);
    QCOMPARE(QString::fromStdString(t->token_string(e.ids[1])).left(1),
             QString::fromUtf8("\xE2\x96\x81"));
    int digits = 0;
    for (int32_t id : e.ids)
        if (t->token_string(id).size() == 1 &&
            std::isdigit(static_cast<unsigned char>(t->token_string(id)[0])))
            ++digits;
    QCOMPARE(digits, 4);
    QVERIFY(test::check_offsets(*t, e).isEmpty());

    // An emoji never seen in training: four byte pieces; the last completes the character.
    e = t->encode("\xF0\x9F\x98\x80", false);
    std::vector<std::string> pieces;
    for (int32_t id : e.ids)
        pieces.push_back(t->token_string(id));
    QVERIFY2(pieces.size() == 5, "expected ▁ and four byte pieces");
    QCOMPARE(pieces[1], std::string("<0xF0>"));
    QCOMPARE(pieces[4], std::string("<0x80>"));
    QCOMPARE(e.offsets[1], (std::pair<int64_t, int64_t>{0, 0}));
    QCOMPARE(e.offsets[4], (std::pair<int64_t, int64_t>{0, 1}));
    QVERIFY(test::check_offsets(*t, e).isEmpty());
    QCOMPARE(t->decode(t->encode("the lazy dog").ids), std::string("the lazy dog"));
    QVERIFY(test::check_offsets(*t, t->encode("  two  spaces\tand\nnewline é 你好")).isEmpty());

    // tokenizer_config.json can turn BOS off
    std::ofstream(dir.toStdString() + "/tokenizer_config.json") << R"({"add_bos_token": false})";
    auto nobos = Tokenizer::from_dir(dir.toStdString(), &err);
    QVERIFY(nobos->encode("the").ids.front() != 1);
}

void TestTokenizers::utf8Repair() {
    std::string out;
    // truncated 3-byte sequence + stray continuation + overlong + surrogate
    QCOMPARE(utf8::repair("a\xE4\xBD"
                          "b\x80"
                          "c\xC0\xAF"
                          "d\xED\xA0\x80",
                          &out),
             size_t(7));
    QCOMPARE(out, std::string("a\xEF\xBF\xBD"
                              "b\xEF\xBF\xBD"
                              "c\xEF\xBF\xBD\xEF\xBF\xBD"
                              "d\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"));
    QVERIFY(utf8::is_valid(out));
}

QTEST_GUILESS_MAIN(TestTokenizers)
#include "tst_tokenizers.moc"
