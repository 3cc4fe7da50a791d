#pragma once
// How a value_bits-wide word is split into match-line stages searched MSB-first (paper: 32 bits
// in 4 stages of 8), and how wide each cell's access transistor is.
#include <cstdint>

namespace rapidnn::ndcam {

/// NDCAM cells are binary weighted (the access transistor of bit j of a stage is 2^j times the
/// LSB one, paper Sec. 4.2.2); a conventional Hamming-distance CAM has equal cells.
enum class CellWeighting { kBinary, kUniform };

struct Stage {
  int lsb = 0;    ///< absolute bit index of the stage's least significant bit
  int width = 0;  ///< number of bits (cells) on the stage's match line
};

class StageLayout {
 public:
  /// Stages of bits_per_stage bits from the MSB down; the last (least significant) stage takes
  /// the remainder when bits_per_stage does not divide value_bits.
  StageLayout(int value_bits, int bits_per_stage, CellWeighting weighting);

  int value_bits() const { return value_bits_; }
  int bits_per_stage() const { return bits_per_stage_; }
  CellWeighting weighting() const { return weighting_; }
  int stage_count() const { return (value_bits_ + bits_per_stage_ - 1) / bits_per_stage_; }
  /// Stage s, s = 0 being the most significant.
  Stage stage(int s) const;
  /// Width of the access transistor of the cell at position j within its stage, in units of the
  /// LSB transistor: 2^j (binary) or 1 (uniform).
  double cell_width_units(int j) const {
    return weighting_ == CellWeighting::kBinary ? static_cast<double>(std::uint64_t{1} << j) : 1.0;
  }
  /// Sum of the cell widths of a stage (sets its drain capacitance): 2^width - 1 or width.
  double stage_width_units(int s) const;
  /// The stage's bits of `value`, right-aligned.
  std::uint32_t stage_bits(std::uint32_t value, int s) const;
  /// Largest representable value, 2^value_bits - 1.
  std::uint32_t max_value() const {
    return static_cast<std::uint32_t>((std::uint64_t{1} << value_bits_) - 1);
  }

 private:
  int value_bits_;
  int bits_per_stage_;
  CellWeighting weighting_;
};

}  // namespace rapidnn::ndcam
