#pragma once
// RNA sharing in the composer (paper Sec 5.6, Table 4): neurons that share an RNA block share
// its product table (crossbar, Figure 7a). The composer's product tables are one per Dense layer
// and one per conv output channel (Sec 3.1, composed_model.hpp), so sharing acts on tables:
//
//   * A layer with G tables keeps max(1, ceil(G (1 - s))) of them (the RNA count rule of the
//     accelerator model, accel/cost_model.hpp); the other m = G - kept tables are dropped and
//     their neurons use a host's table instead. A Dense layer has one table and never changes;
//     neurons of one conv channel already share their table (Sec 5.6), so only channels merge.
//   * Which tables share (the rule): the penalty of group i using the table of group j is the
//     increase of the squared quantization error of i's full-precision weights,
//       P(i, j) = sum_x (x - C_j[nearest_j(x)])^2 - (x - C_i[nearest_i(x)])^2,
//     and m times the pair (i, j) with the smallest P is taken among groups i that are neither
//     a sharer nor a host yet and hosts j that are no sharer (ties: lower i, then lower j).
//     A sharer's weights are re-encoded with its host's codebook, and its product rows are the
//     host's. With s <= 0.5 (m <= G/2) a free pair always exists.
#include <span>
#include <vector>

#include "composer/composed_model.hpp"
#include "nn/model.hpp"

namespace rapidnn::composer {

/// Largest sharing fraction accepted (see the feasibility note above).
inline constexpr double kMaxTableSharing = 0.5;

/// Tables kept by a layer with `groups` tables at sharing fraction s: max(1, ceil(G (1 - s))).
int kept_tables(int groups, double sharing);

/// For each of `groups` weight groups (row-major `weights`, groups x fan_in values; a single
/// group for a Dense layer) the group whose codebook it uses (itself when it keeps its table).
/// `centroids` holds groups x w ascending values. InvalidArgument for sizes that do not match or
/// sharing outside [0, 0.5].
std::vector<int> plan_table_sharing(std::span<const float> weights, int groups, std::span<const float> centroids,
                                    int w, double sharing);

/// A copy of `composed` in which every compute layer shares its tables by the rule above, the
/// sharers' weights (full precision, read from `model`) re-encoded with their hosts' codebooks.
/// `model` must be the model `composed` was built from (its structure and current weights).
ComposedModel share_tables(const nn::Model& model, const ComposedModel& composed, double sharing);

/// Tables dropped over all compute layers of `composed` at sharing fraction s.
int shared_table_count(const ComposedModel& composed, double sharing);

}  // namespace rapidnn::composer
