#pragma once
// Writes a codebook job into a result file with collective parallel I/O: every dataset is
// created at its global extent and each rank writes one hyperslab of rows.
//
// Row order of every per-problem table (group G):
//   the sharded problems (plan order; written by rank 0), then the whole problems (plan order;
//   rank r writes its contiguous block).
// G/problems/{layer, channel, size, sharded, owner}        identification (channel -1 = layer)
// G/flat/{k, centroids [P x k] (NaN-padded), counts [P x k], wcss, iterations, time_s}
// G/tree/{wcss [P x L], time_s}, G/tree/level_<l>/{centroids, counts} [P x 2^l], l = 1..L
// G/ranks/{total_s, load_s, whole_s, sharded_s, local_values, shard_bytes, bytes_communicated,
//          gathered_values, peak_rss_bytes, whole_problems} [ranks]
// Attributes of G: layer_names, layer_fan_in, layer_outputs, layer_conv, k, tree_levels,
//   shard_above, histogram_bins, refine_passes, lloyd_steps, weights (source).
#include <string>

#include "distributed/codebook_job.hpp"
#include "io/result_file.hpp"

namespace rapidnn::distributed {

/// Collective.
void write_codebook_job(io::ResultFile& out, const std::string& group, const JobResult& job, const JobParams& params,
                        const std::string& weights_description);

}  // namespace rapidnn::distributed
