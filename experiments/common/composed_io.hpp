#pragma once
// HDF5 form of a composed model, enough to evaluate it again without re-clustering:
//   <group>/stage_count, activation_count                         int64 [1]
//   <group>/stage_<i>/meta      int64 [node, conv, w, u, groups, out, fan_in]
//   <group>/stage_<i>/input_centroids [u]  weight_centroids [groups, w]
//   <group>/stage_<i>/weight_codes uint8 [out, fan_in]  products [groups, w, u]  bias [out]
//   <group>/activation_<i>/meta int64 [node, function (nn::Activation), rows]
//   <group>/activation_<i>/y, z [rows]   (absent when rows = 0: exact function / comparator)
// plus the float model (io::write_model) under <group>/model, which gives the structure.
#include <string>

#include "common/record_set.hpp"
#include "composer/composer.hpp"
#include "io/result_reader.hpp"

namespace rapidnn::experiments {

/// Records of `model` relative to the composed group.
RecordSet composed_records(const composer::ComposedModel& model);
/// Records of every level/size of the codebooks, per layer (relative to the layers group):
///   <layer>/weight_codebook/size_<k>/centroids [groups, k], counts [groups, k],
///                                    wcss_tree [groups], wcss_flat [groups]
///   <layer>/input_codebook/size_<k>/centroids [k], counts [k], wcss_tree [1], wcss_flat [1]
/// (both WCSS whichever kind gave the centroids: the tree level's and the exact flat k-means')
///   <activation layer>/clip_domain [2]
void add_codebook_records(RecordSet& set, const nn::Model& model, const composer::LayerCodebooks& codebooks);
/// Rebuilds a composed model from `group` (written by composed_records) for `structure`.
/// Throws IoError naming the file and group when a dataset is missing or has the wrong size.
composer::ComposedModel read_composed(const io::ResultReader& in, const std::string& group, const nn::Model& structure);

}  // namespace rapidnn::experiments
