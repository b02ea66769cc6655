#include "train/calculator_train.h"

#include "core/corpus/source_text.h"
#include "core/model/engine.h"
#include "core/text/tokenizer.h"
#include "train/calculator_curriculum.h"
#include "train/detail/calculator_export.h"
#include "train/detail/calculator_net.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <unistd.h>

namespace fs = std::filesystem;

namespace ladm {

std::string invalid_train_options(const TrainOptions& o) {
    auto n = [](auto v) {
        std::ostringstream s;
        s << v;
        return s.str();
    };
    if (o.hidden < 1 || o.layers < 1 || o.heads < 1 || o.kv_heads < 1 || o.intermediate < 1)
        return "hidden, layers, heads, kv_heads and intermediate must be >= 1 (got " + n(o.hidden) +
               ", " + n(o.layers) + ", " + n(o.heads) + ", " + n(o.kv_heads) + ", " +
               n(o.intermediate) + ")";
    if (o.hidden % o.heads || o.heads % o.kv_heads || (o.hidden / o.heads) % 2)
        return "hidden must be a multiple of heads with an even head size (RoPE), and heads "
               "of kv_heads (got hidden " +
               n(o.hidden) + ", heads " + n(o.heads) + ", kv_heads " + n(o.kv_heads) + ")";
    if (o.vocab < 64) return "vocab must be >= 64 (got " + n(o.vocab) + ")";
    if (o.seq_len < 2 || o.batch < 1 || o.steps < 0)
        return "seq_len must be >= 2, batch >= 1 and steps >= 0 (got " + n(o.seq_len) + ", " +
               n(o.batch) + ", " + n(o.steps) + ")";
    if (o.long_steps < 0 || (o.long_steps > 0 && (o.long_seq_len < 2 || o.long_batch < 1)))
        return "long phase: long_steps must be >= 0, and with long steps long_seq_len >= 2 "
               "and long_batch >= 1 (got " +
               n(o.long_steps) + ", " + n(o.long_seq_len) + ", " + n(o.long_batch) + ")";
    const int longest = o.long_steps > 0 ? std::max(o.seq_len, o.long_seq_len) : o.seq_len;
    if (o.max_positions < longest)
        return "max_positions (" + n(o.max_positions) +
               ") must cover the longest training sequence (" + n(longest) + ")";
    if (!(o.lr > 0) || o.warmup < 0 || o.checkpoint_every < 1)
        return "lr must be > 0, warmup >= 0 and checkpoint_every >= 1 (got " + n(o.lr) + ", " +
               n(o.warmup) + ", " + n(o.checkpoint_every) + ")";
    if (!(o.held_out_fraction > 0 && o.held_out_fraction < 1))
        return "held_out_fraction must be between 0 and 1, exclusive (got " +
               n(o.held_out_fraction) + ")";
    if (!(o.rope_theta > 1)) return "rope_theta must be > 1 (got " + n(o.rope_theta) + ")";
    if (!(o.retrieval_weight >= 0) || !(o.match_init >= 0) || !(o.copy_fraction >= 0) ||
        !(o.copy_fraction <= 1) || !(o.copy_warmup >= 0) || !(o.copy_warmup <= 1))
        return "retrieval_weight and match_init must be >= 0, copy_fraction and copy_warmup "
               "between 0 and 1 (got " +
               n(o.retrieval_weight) + ", " + n(o.match_init) + ", " + n(o.copy_fraction) + ", " +
               n(o.copy_warmup) + ")";
    if (!o.calibration.scales.empty())
        if (auto bad = invalid_calibration_options(o.calibration); !bad.empty())
            return "calibration: " + bad;
    return {};
}

bool train_calculator(const TrainOptions& o,
                      const std::function<bool(const TrainProgress&)>& progress, TrainResult* res,
                      std::string* error) {
    try {
        if (o.threads > 0) torch::set_num_threads(o.threads);
        // Every step frees and reallocates gigabytes of activations: without page faults
        // 2.4x faster here than with glibc's defaults.
        tune_allocator(/*never_release=*/true);
        const fs::path dir(o.out_dir);
        std::error_code ec;
        fs::create_directories(dir / "train-state", ec);
        if (auto bad = invalid_train_options(o); !bad.empty()) {
            *error = bad;
            return false;
        }
        // 1. Text, split train / held-out by a hash of the path.
        const auto files = calculator_text_files(o.text_files);
        for (const auto& k : o.leave_out) // a misspelt kind would leave out nothing
            if (std::none_of(files.begin(), files.end(),
                             [&](const std::string& f) { return text_domain(f) == k; })) {
                std::set<std::string> kinds;
                for (const auto& f : files)
                    kinds.insert(text_domain(f));
                *error = "--leave-out " + k + ": no training file is of that kind (kinds:";
                for (const auto& n : kinds)
                    *error += " " + n;
                *error += ")";
                return false;
            }
        std::vector<std::string> train_text, held_text, train_kind;
        std::ofstream sources(dir / "training-sources.txt"); // exactly which text was used
        sources << "# split  bytes  path (train-calculator; held-out files are for evaluation)\n";
        for (const auto& f : files) {
            std::string t = read_text_file(f);
            if (t.size() < 200) continue;
            if (is_left_out(f, o.leave_out)) {
                sources << "left-out " << t.size() << " " << f << "\n";
                continue;
            }
            const bool held = is_held_out(f, o.held_out_fraction);
            sources << (held ? "held-out " : "train ") << t.size() << " " << f << "\n";
            (held ? held_text : train_text).push_back(std::move(t));
            if (!held) train_kind.push_back(text_domain(f));
        }
        sources.close();
        if (train_text.empty() || held_text.empty()) {
            *error = "not enough training text (" + std::to_string(files.size()) + " files)";
            return false;
        }
        res->tokenizer_sources = std::to_string(files.size()) +
                                 " files: " + std::to_string(train_text.size()) +
                                 " for training, " + std::to_string(held_text.size()) + " held out";

        const fs::path state_dir = dir / "train-state";
        // 2. Tokenizer (trained once; kept on resume).
        if (!fs::exists(dir / "tokenizer.model")) {
            const fs::path input = state_dir / "spm-input.txt";
            {
                std::ofstream f(input);
                write_tokenizer_input(f, train_text, train_kind, o.tokenizer_by_kind,
                                      size_t(12) << 20);
                if (o.vocab >= kTypographicMinVocab)
                    f << kTypographicChars << "\n"; // --required_chars must occur in the input
            }
            // Paths relative to train-state (spm_train runs there): the model records its
            // --input and --model_prefix, and should not depend on where DIR is.
            const std::string flags =
                "--input=" + input.filename().string() +
                " --model_prefix=tokenizer --model_type=bpe --vocab_size=" +
                std::to_string(o.vocab) +
                " --byte_fallback=true --normalization_rule_name=identity"
                " --remove_extra_whitespaces=false --split_digits=true "
                "--character_coverage=0.9995" +
                (o.vocab >= kTypographicMinVocab
                     ? " --required_chars=" + std::string(kTypographicChars)
                     : std::string()) +
                " --unk_id=0 --bos_id=1 --eos_id=2 --pad_id=-1 --max_sentence_length=8192"
                " --input_sentence_size=400000 --shuffle_input_sentence=true --minloglevel=2"
                " --num_threads=2 --random_seed=" +
                std::to_string(o.seed);
            // Debian's spm_train in a child process: SentencePiece's trainer logs through
            // iostreams, which crash when its library is dlopen'ed with RTLD_DEEPBIND into a
            // program that itself uses std::cerr (copy-relocated stream objects).
            if (!run_spm_train(flags, (state_dir / "spm_train.log").string(), state_dir.string(),
                               error))
                return false;
            fs::remove(input, ec);
            fs::remove(state_dir / "tokenizer.vocab", ec);
            fs::rename(state_dir / "tokenizer.model", dir / "tokenizer.model", ec);
            if (ec) {
                *error = (dir / "tokenizer.model").string() + ": " + ec.message();
                return false;
            }
            if (!write_json(dir / "tokenizer_config.json",
                            {{"tokenizer_class", "LlamaTokenizer"},
                             {"add_bos_token", true},
                             {"add_eos_token", false},
                             {"bos_token", "<s>"},
                             {"eos_token", "</s>"},
                             {"unk_token", "<unk>"},
                             {"legacy", true}},
                            error))
                return false;
        }
        auto tok = Tokenizer::from_dir(o.out_dir, error);
        if (!tok) return false;
        std::vector<std::vector<int32_t>> train_docs, held_docs;
        for (const auto& t : train_text)
            train_docs.push_back(tok->encode(t, false).ids);
        for (const auto& t : held_text)
            held_docs.push_back(tok->encode(t, false).ids);

        // 3. Model, optimizer, and the saved state when resuming.
        // Token frequencies in the training text (add-one): the unigram baseline; per kind
        // of text (domain_rarity) for the retrieval targets' rarity and the matchers.
        const auto V = int32_t(tok->vocab_size());
        const auto rare = token_rarity(o, train_docs, train_kind, V,
                                       o.skip_punctuation_matches ? never_match_tokens(*tok)
                                                                  : std::vector<uint8_t>{});
        torch::manual_seed(o.seed);
        CalculatorNet net(o, V, rare.init_neg_log_freq);
        torch::optim::AdamW opt(
            net.tensors(),
            torch::optim::AdamWOptions(o.lr).betas({0.9, 0.95}).weight_decay(o.weight_decay));
        int step = 0;
        const fs::path state = dir / "train-state";
        if (fs::exists(state / "step.txt")) {
            // "STEP LOSS": the loss of the last step run, so a resume with no steps left
            // still reports it (older states hold the step only)
            std::ifstream(state / "step.txt") >> step >> res->final_loss;
            std::vector<torch::Tensor> saved;
            torch::load(saved, (state / "model.pt").string());
            if (saved.size() != net.params.size()) {
                *error =
                    (state / "model.pt").string() + ": saved state does not match the model shape";
                return false;
            }
            torch::NoGradGuard ng;
            for (size_t i = 0; i < saved.size(); ++i)
                net.params[i].second.copy_(saved[i]);
            torch::load(opt, (state / "optim.pt").string());
        }
        auto save_state = [&] {
            std::vector<torch::Tensor> v;
            for (const auto& [_, t] : net.params)
                v.push_back(t.detach().clone());
            torch::save(v, (state / "model.pt").string());
            torch::save(opt, (state / "optim.pt").string());
            std::ofstream f(state / "step.txt");
            f.precision(17);
            f << step << " " << res->final_loss;
            std::string export_error; // DIR holds a usable checkpoint of the latest state
            if (!export_checkpoint(o, net.V, net.params, &export_error))
                std::fprintf(stderr, "warning: %s\n", export_error.c_str());
        };

        const auto kinds = kind_groups(train_kind);
        const auto* by_kind = o.balance_kinds ? &kinds : nullptr;
        Batcher train_b{o, train_docs, tok->bos_id(), V, &rare.doc_class, by_kind},
            held_b{o, held_docs, tok->bos_id(), V};
        const auto t0 = std::chrono::steady_clock::now();
        double window_loss = 0, window_retrieval = 0;
        int window = 0;
        int64_t tokens = 0;
        const int total_steps = o.steps + o.long_steps;
        while (step < total_steps) {
            std::mt19937_64 rng(o.seed * 1000003ull + uint64_t(step)); // resumable data order
            std::vector<int64_t> ids, pos;
            const bool long_phase = step >= o.steps;
            const int T = long_phase ? o.long_seq_len : o.seq_len;
            const int B = long_phase ? o.long_batch : o.batch;
            // fraction of the main phase done: drives the curriculum and the learning rate
            const double prog = std::min(1.0, double(step) / std::max(1, o.steps));
            auto targets = torch::zeros({B, T, T});
            for (int b = 0; b < B; ++b) {
                std::vector<int32_t> seq, seq_class;
                train_b.build(rng, T, false, prog, &ids, &pos, &seq, &seq_class);
                if (o.retrieval_weight > 0)
                    retrieval_targets(seq, rare.match_weights(seq, seq_class),
                                      CalculatorNet::kLocal,
                                      targets.data_ptr<float>() + int64_t(b) * T * T);
            }
            auto tids = torch::tensor(ids).view({B, T});
            auto tpos = torch::tensor(pos).view({B, T});
            // learning rate: linear warm-up, cosine to 10%
            const double lr = step < o.warmup
                                  ? o.lr * (step + 1) / o.warmup
                                  : o.lr * (0.1 + 0.9 * 0.5 * (1 + std::cos(M_PI * prog)));
            for (auto& g : opt.param_groups())
                static_cast<torch::optim::AdamWOptions&>(g.options()).lr(lr);
            opt.zero_grad();
            net.targets = o.retrieval_weight > 0 ? &targets : nullptr;
            auto lm_loss = net.loss(tids, tpos);
            auto loss = lm_loss;
            if (net.targets) {
                auto rl = net.retrieval_loss();
                loss = lm_loss + o.retrieval_weight * rl;
                window_retrieval += rl.item<double>();
            }
            net.targets = nullptr;
            loss.backward();
            torch::nn::utils::clip_grad_norm_(net.tensors(), 1.0);
            opt.step();
            ++step;
            tokens += int64_t(B) * T;
            window_loss += lm_loss.item<double>();
            ++window;
            res->final_loss = lm_loss.item<double>();
            if (step % o.checkpoint_every == 0 || step == total_steps) save_state();
            if (progress && (step % 10 == 0 || step == total_steps)) {
                TrainProgress pg;
                pg.step = step;
                pg.steps = total_steps;
                pg.seq_len = T;
                pg.loss = window_loss / window;
                pg.retrieval_loss = window_retrieval / window;
                window_retrieval = 0;
                pg.seconds =
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
                pg.tokens_per_s = double(tokens) / pg.seconds;
                window_loss = 0;
                window = 0;
                if (!progress(pg)) { // stopped: the state is saved, export what there is
                    save_state();
                    break;
                }
            }
        }
        res->steps_done = step;

        // 4. Export, then measure held-out loss with the training forward and through the
        // exported checkpoint + engine (same numbers expected: same weights).
        if (!export_checkpoint(o, net.V, net.params, error)) return false;
        // The same held-out sequences whatever the seed (a fixed generator over the
        // held-out files, which the path hash chooses), so runs with different seeds or
        // recipes are compared on the same tokens; evaluated in batches of 8.
        std::mt19937_64 rng(77);
        constexpr int eval_seqs = kHeldOutSequences, chunk = 8;
        static_assert(eval_seqs % chunk == 0);
        std::vector<int64_t> ids, pos;
        for (int b = 0; b < eval_seqs; ++b)
            held_b.build(rng, o.seq_len, true, 1.0, &ids, &pos);
        for (int b = 0; b < eval_seqs; ++b) // plain positions for comparison with the engine
            for (int i = 0; i < o.seq_len; ++i)
                pos[size_t(b * o.seq_len + i)] = i;
        auto tids = torch::tensor(ids).view({eval_seqs, o.seq_len});
        auto tpos = torch::tensor(pos).view({eval_seqs, o.seq_len});
        {
            torch::NoGradGuard ng;
            if (o.export_bf16) // evaluate the weights as exported
                for (auto& [_, t] : net.params)
                    t.copy_(t.to(torch::kBFloat16).to(torch::kFloat32));
            double total = 0;
            for (int b = 0; b < eval_seqs; b += chunk)
                total +=
                    net.loss(tids.narrow(0, b, chunk), tpos.narrow(0, b, chunk)).item<double>();
            res->held_out_loss = total / (eval_seqs / chunk);
        }
        // The same sequences through the checkpoint in out_dir and the engine.
        auto engine_loss = [&](double* loss) {
            EngineOptions eo;
            eo.device = "cpu";
            auto engine = Engine::open(o.out_dir, eo, error);
            if (!engine) return false;
            double sum = 0;
            for (int b = 0; b < eval_seqs; ++b) {
                std::vector<int32_t> seq(ids.begin() + b * o.seq_len,
                                         ids.begin() + (b + 1) * o.seq_len);
                std::vector<float> hs;
                if (!engine->hidden_states(seq, &hs, error)) return false;
                torch::NoGradGuard ng;
                auto h =
                    torch::from_blob(hs.data(), {o.seq_len, int64_t(o.hidden)}, torch::kFloat32);
                auto logits = torch::matmul(h, net.p["model.embed_tokens.weight"].detach().t());
                auto target = tids[b].narrow(0, 1, o.seq_len - 1);
                sum +=
                    torch::nn::functional::cross_entropy(logits.narrow(0, 0, o.seq_len - 1), target)
                        .item<double>();
            }
            *loss = sum / eval_seqs;
            return true;
        };
        if (!engine_loss(&res->held_out_loss_engine)) return false;
        res->held_out_tokens = int64_t(eval_seqs) * (o.seq_len - 1);
        // unigram baseline: the training text's token frequencies (add-one smoothing)
        double nll = 0;
        int64_t n = 0;
        for (int b = 0; b < eval_seqs; ++b)
            for (int i = 1; i < o.seq_len; ++i)
                nll += rare.neg_log_freq[size_t(ids[size_t(b * o.seq_len + i)])], ++n;
        res->unigram_loss = nll / double(n);

        // 5. The attention temperature, chosen on training documents, folded into the
        // export; the held-out loss again through the calibrated checkpoint.
        if (!o.calibration.scales.empty()) {
            CalibrationOptions co = o.calibration;
            co.model_dir = o.out_dir;
            co.text_files = o.text_files;
            co.held_out_fraction = o.held_out_fraction;
            co.exclude_kinds = o.leave_out;
            co.write = true;
            TrainProgress cp;
            cp.step = cp.steps = step;
            auto report = [&](int done, int total) {
                cp.calibrated_pairs = done, cp.calibration_pairs = total;
                if (progress) progress(cp);
            };
            if (!calibrate_query_scale(co, report, &res->calibration, error)) {
                *error = "training finished and is saved in " + o.out_dir +
                         ", but the attention temperature could not be calibrated (" + *error +
                         "); re-run to retry (it resumes with no steps left), " +
                         "with other calibration lengths or none";
                return false;
            }
            res->calibrated = true;
            if (!engine_loss(&res->held_out_loss_calibrated)) return false;
        }
        return true;
    } catch (const c10::Error& e) {
        *error = std::string("training failed: ") + e.what_without_backtrace();
        return false;
    } catch (const std::exception& e) {
        *error = std::string("training failed: ") + e.what();
        return false;
    }
}

} // namespace ladm
