// The decoder train-calculator trains (internal to core: libtorch types): the same
// architecture and tensor names as a Hugging Face Llama checkpoint, tied embeddings,
// computed with autograd in fp32, with the long-range attention supervision hooked into
// its forward pass.
//
//   ladm::CalculatorNet net(options, vocab, neg_log_freq);
//   net.targets = &targets; // optional, [B, T, T] (see retrieval_targets)
//   auto loss = net.loss(ids, pos) + w * net.retrieval_loss();
#pragma once

#include "train/train_options.h"

#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace ladm {

// The attention supervision's cross-entropy, per query: the targets against the attention
// renormalised over the keys with log_weight > -inf, each key's probability counted
// exp(log_weight) times in the normaliser. From the scores (log-sum-exp), so it stays exact
// when those keys' share of the full softmax underflows.
torch::Tensor far_ce_of(const torch::Tensor& scores, const torch::Tensor& targets,
                        const torch::Tensor& log_weights);

struct CalculatorNet {
    const TrainOptions& o;
    int64_t V, D, H, KV, d, F;
    std::vector<std::pair<std::string, torch::Tensor>> params;
    std::map<std::string, torch::Tensor> p;
    torch::Tensor inv_freq;

    // neg_log_freq: -log frequency of each token in the training text (for init_matchers)
    CalculatorNet(const TrainOptions& opt, int64_t vocab, const std::vector<double>& neg_log_freq);

    // Every head starts as a same-token matcher: its query and key projections share a
    // random map onto the n RoPE dimensions that turn less than a quarter turn over
    // max_positions, so a token's query meets the keys of its earlier occurrences at any
    // distance (logit about n * match_init^2 / sqrt(d), other tokens' about 0 +- sqrt(n) *
    // match_init^2 / sqrt(d)). Training then shapes it (rarity, the BOS sink) or turns it
    // to other uses.
    //
    // With rarity_init, the match strength starts proportional to the
    // token's -log frequency: each embedding puts that share (relative to the rarest
    // token's) of its energy in the first half of the model dimensions, the only half the
    // matching map reads, and the rest in the second half (same norm for every token, so
    // the tied output layer is unaffected). A rare name then starts out drawing attention
    // back to its earlier uses, a common token hardly — what the supervision asks for and
    // what a small model barely learns from a few million tokens.
    void init_matchers(const std::vector<double>& neg_log_freq);

    std::vector<torch::Tensor> tensors() const;

    static torch::Tensor rms(const torch::Tensor& x, const torch::Tensor& w);

    // Long-range attention supervision. When `targets` is set ([B, T, T]; each row a
    // distribution over the BOS sink and the keys more than kLocal tokens back: see
    // retrieval_targets), every head's attention restricted to those keys and renormalised
    // — the part LADM's span softmax sees — is pulled towards it by cross-entropy (one
    // value per layer in far_ce). Within kLocal tokens a head attends as the language
    // model needs.
    static constexpr int64_t kLocal = 64;
    const torch::Tensor* targets = nullptr;
    // log of each key's weight in the supervision's normaliser: 0 for far keys and BOS,
    // log(context_factor) for far keys that are not targets, -inf elsewhere; [B, 1, T, T]
    torch::Tensor far_log_weights;
    std::vector<torch::Tensor> far_ce;
    torch::Tensor m_far_mask;
    const torch::Tensor& far_mask(int64_t T); // keys > kLocal back, and the BOS

    // ids, pos: [B, T] int64. Returns the final normed hidden states [B, T, D].
    torch::Tensor hidden(const torch::Tensor& ids, const torch::Tensor& pos);

    // The supervision's loss: far_ce averaged over layers.
    torch::Tensor retrieval_loss() const;

    // Next-token cross-entropy (tied output layer); runs hidden(), so far_ce is refreshed.
    torch::Tensor loss(const torch::Tensor& ids, const torch::Tensor& pos);
};

} // namespace ladm
