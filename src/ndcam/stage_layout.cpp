#include "ndcam/stage_layout.hpp"

#include <algorithm>

#include "core/error.hpp"

namespace rapidnn::ndcam {

StageLayout::StageLayout(int value_bits, int bits_per_stage, CellWeighting weighting)
    : value_bits_(value_bits), bits_per_stage_(bits_per_stage), weighting_(weighting) {
  RAPIDNN_THROW_IF_NOT(value_bits >= 1 && value_bits <= 32, InvalidArgument,
                       "ndcam: value_bits must be in [1, 32], got {}", value_bits);
  RAPIDNN_THROW_IF_NOT(bits_per_stage >= 1 && bits_per_stage <= value_bits, InvalidArgument,
                       "ndcam: bits_per_stage must be in [1, value_bits={}], got {}", value_bits,
                       bits_per_stage);
}

Stage StageLayout::stage(int s) const {
  RAPIDNN_ASSERT(s >= 0 && s < stage_count());
  const int top = value_bits_ - s * bits_per_stage_;  // one past the stage's MSB
  const int lsb = std::max(0, top - bits_per_stage_);
  return Stage{lsb, top - lsb};
}

double StageLayout::stage_width_units(int s) const {
  const int w = stage(s).width;
  return weighting_ == CellWeighting::kBinary ? static_cast<double>((std::uint64_t{1} << w) - 1)
                                              : static_cast<double>(w);
}

std::uint32_t StageLayout::stage_bits(std::uint32_t value, int s) const {
  const Stage st = stage(s);
  const std::uint64_t mask = (std::uint64_t{1} << st.width) - 1;
  return static_cast<std::uint32_t>((static_cast<std::uint64_t>(value) >> st.lsb) & mask);
}

}  // namespace rapidnn::ndcam
