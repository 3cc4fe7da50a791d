#pragma once
// Ascending sorted copies of the values, the first step of every exact method. Floats use an LSD
// radix sort on their order-preserving bit pattern (three 11/11/10-bit passes, O(n), ~5x faster
// than a comparison sort at 10^7..10^8 values: VGG-16 fc6 has ~103M weights); doubles use
// oneTBB's parallel sort. NaN must have been rejected before (the caller's input check).
#include <span>
#include <vector>

namespace rapidnn::cluster {

std::vector<float> sorted_copy(std::span<const float> values);
std::vector<double> sorted_copy(std::span<const double> values);

}  // namespace rapidnn::cluster
