// A model-free long-dependency score for text: the IDF-weighted share of a document's
// words whose previous occurrence in the document lies more than D characters back. It
// needs no checkpoint, and tells a curator how much of a model score repeated names and
// identifiers alone would explain (issue #31's baseline, #32's `lexical` scorer).
//
//   DocumentFrequencies df;                 // over the corpus being scored
//   for (auto& t : texts) df.add(words_of(t));
//   double s = lexical_dependency(words_of(text), df, 3000);
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ladm {

// Words: maximal runs of Unicode letters, digits and '_' (code points of categories L*, N*),
// lower-cased for ASCII; begin is the word's offset in code points. Invalid UTF-8 bytes
// separate words.
struct Word {
    std::string text;
    int64_t begin = 0;
};
std::vector<Word> words_of(std::string_view text);

// How many documents each word occurs in; idf(w) = ln(N / df(w)) (0 for a word in every
// document, and for one never added). Words are kept as 64-bit hashes (~40 bytes a
// distinct word: 10 million distinct words take ~400 MB).
class DocumentFrequencies {
  public:
    void add(const std::vector<Word>& doc_words);
    double idf(const std::string& word) const;
    int64_t documents() const { return m_docs; }
    size_t distinct_words() const { return m_df.size(); }

  private:
    std::unordered_map<uint64_t, int32_t> m_df;
    int64_t m_docs = 0;
};

// The sum of idf(w_i) over the words i whose previous occurrence begins more than
// min_distance code points before word i begins, over the sum of idf(w_i) over all words;
// 0 for a document without weighted words.
double lexical_dependency(const std::vector<Word>& words, const DocumentFrequencies& df,
                          int64_t min_distance);

// Typographic punctuation as ASCII: curly quotes and primes to ' and ", guillemets to ",
// dashes to -, the ellipsis to ..., no-break and other Unicode spaces to a space. The rest
// of the text (invalid bytes included) is left as it is. For checking that a score does
// not follow a text's quote style (eval-calculator --ascii-punct).
std::string ascii_punctuation(std::string_view text);

// The rule ascii_punctuation applies: each character and its ASCII replacement. The same
// table becomes a SentencePiece normalization rule (ladm add-punctuation-rule).
struct PunctuationMapping {
    char32_t from;
    const char* to;
};
const std::vector<PunctuationMapping>& ascii_punctuation_table();

} // namespace ladm
