#pragma once
// Cycle and energy counts of one neuron on one RNA block, from the mechanisms of Sec 4:
//
//   counting  = ceil(F / w_eff)                         one input index per weight buffer per cycle (4.1.1)
//   operands  M = sum over the w_eff*u products p of terms(count_p),  counts = F spread evenly over
//               the products; terms(c) = popcount(c) - max(0, L(c) - 2), L = longest run of ones
//               (a run of L>=3 ones becomes 2^a - 2^b, two terms; 4.1.1); a count above the
//               counter range 2^bits - 1 is split into full counters plus a remainder
//   shifting  = counter_bits + 1                        one row-parallel masked copy per shift amount
//               (0..counter_bits; the run-of-ones trick can produce 2^counter_bits)   [assumption]
//   csa       = 13 * S(M), S(M) = 3:2 carry-save rounds m -> m - floor(m/3) until m <= 2
//               (~ log_{3/2} M, 4.1.2; csa_stages = "rounds"), or with csa_stages = "paper"
//               13 * ceil(log_{3/2}(w_eff * u)), the paper's count for w*u stored products
//   carry     = 13 * N  when M >= 2 (final carry-propagating add of N-bit words, 4.1.2)
//   activation= ceil(N / 8) NDCAM stages + 1 row read   (4.2.1-4.2.2), only if the layer has one
//   encoding  = ceil(N / 8) NDCAM stages + 1 row read   (4.2.1)
//   pooling   = window CAM row writes + ceil(log2(u) / 8) search stages + 1 read (max pool, 4.2.1)
//   transfer  = ceil(log2 u) bits, bit-serial to the tile buffer (4.3)
//
// with w_eff = w for dense/conv, 1 for average pooling and residual additions (one normalised
// weight, Sec 4.2.1). Energy of a block = its power (scaled with its table rows) x its active
// cycles / clock, plus the NDCAM search energy per max-pooling search.
#include <cstdint>

#include "accel/hardware_params.hpp"
#include "accel/network_shape.hpp"

namespace rapidnn::accel {

/// Codebook and table sizes (the paper's symbols).
struct CodebookSizes {
  std::int64_t w = 64;  // weight codebook size
  std::int64_t u = 64;  // input codebook size (also the rows of the encoder AM)
  std::int64_t q = 64;  // activation table rows
};

/// Throws InvalidArgument naming the value when a size is < 1 (w, u) or < 2 (q).
void validate(const CodebookSizes& cb);

/// Length of the longest run of consecutive one bits of c.
int longest_run_of_ones(std::uint64_t c);
/// Power-of-two terms needed to multiply by c with shift-and-add and the run-of-ones trick.
int shift_add_terms(std::uint64_t c);
/// Terms for a count c accumulated in counters of `counter_bits` (overflow splits the count).
std::int64_t count_terms(std::uint64_t c, int counter_bits);
/// Shifted operands M produced by `fan_in` inputs spread evenly over `products` products.
std::int64_t accumulation_operands(std::int64_t fan_in, std::int64_t products, int counter_bits);
/// 3:2 carry-save rounds that reduce m operands to two.
int carry_save_stages(std::int64_t m);
/// The paper's stage count for p stored products: ceil(log_{3/2} p) (0 for p <= 1; Sec 4.1.2).
int paper_carry_save_stages(std::int64_t products);
/// ceil(log2(n)) for n >= 1 (bits of an index into n entries; 0 for n == 1).
int index_bits(std::int64_t n);

/// Active cycles of each block for one neuron.
struct NeuronCycles {
  std::int64_t counting = 0;
  std::int64_t shifting = 0;
  std::int64_t carry_save = 0;
  std::int64_t carry_propagate = 0;
  std::int64_t activation = 0;
  std::int64_t encoding = 0;
  std::int64_t pooling = 0;
  std::int64_t transfer = 0;
  std::int64_t operands = 0;  // M

  std::int64_t weighted_accumulation() const { return counting + shifting + carry_save + carry_propagate; }
  /// One neuron from first input to the value in the buffer.
  std::int64_t latency() const { return weighted_accumulation() + activation + encoding + pooling + transfer; }
  /// Cycles between two neurons computed back to back by one RNA: counters, crossbar adder and
  /// AM/buffer path are separate blocks, so they overlap across neurons (RNA-internal pipeline).
  std::int64_t initiation_interval() const;
};

/// Energy of each block for one neuron, joules.
struct NeuronEnergy {
  double counter_j = 0;
  double crossbar_j = 0;
  double activation_j = 0;
  double encoding_j = 0;
  double pooling_j = 0;
  double buffer_j = 0;
  double rna_other_j = 0;
  double total() const {
    return counter_j + crossbar_j + activation_j + encoding_j + pooling_j + buffer_j + rna_other_j;
  }
};

/// Power (W) and area (um2) of the blocks of one RNA built for codebook sizes `cb`.
struct RnaBlocks {
  double crossbar_w, counter_w, activation_w, encoder_w, other_w;
  double crossbar_um2, counter_um2, activation_um2, encoder_um2, other_um2;
  double power_w() const { return crossbar_w + counter_w + activation_w + encoder_w + other_w; }
  double area_um2() const { return crossbar_um2 + counter_um2 + activation_um2 + encoder_um2 + other_um2; }
};

/// Table 1 blocks scaled with their table rows (area linearly, power with exponent
/// table_power_exponent, default 1): crossbar and counters with the w*u
/// products (reference 1K), activation AM with q (reference 64), encoder AM with u (reference 64).
RnaBlocks rna_blocks(const CodebookSizes& cb, const HardwareParams& hw);

NeuronCycles neuron_cycles(const LayerShape& layer, const CodebookSizes& cb, const HardwareParams& hw);
NeuronEnergy neuron_energy(const LayerShape& layer, const NeuronCycles& cycles, const CodebookSizes& cb,
                           const HardwareParams& hw);

}  // namespace rapidnn::accel
