#include "accel/rna_cycles.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

#include "core/error.hpp"

namespace rapidnn::accel {

void validate(const CodebookSizes& cb) {
  RAPIDNN_THROW_IF_NOT(cb.w >= 1 && cb.u >= 1 && cb.q >= 2, InvalidArgument,
                       "codebook sizes must be w >= 1, u >= 1, q >= 2; got w = {}, u = {}, q = {}", cb.w, cb.u,
                       cb.q);
}

int longest_run_of_ones(std::uint64_t c) {
  int best = 0;
  while (c != 0) {
    c >>= std::countr_zero(c);
    const int run = std::countr_one(c);
    best = std::max(best, run);
    c = run >= 64 ? 0 : c >> run;
  }
  return best;
}

int shift_add_terms(std::uint64_t c) {
  // Sec 4.1.1: every one bit is a shifted copy; the longest run of L >= 3 ones is replaced by
  // 2^(top+1) - 2^bottom (one shifted copy and one subtraction), saving L - 2 terms.
  const int ones = std::popcount(c);
  return ones - std::max(0, longest_run_of_ones(c) - 2);
}

std::int64_t count_terms(std::uint64_t c, int counter_bits) {
  const std::uint64_t full = (counter_bits >= 64) ? ~std::uint64_t{0} : (std::uint64_t{1} << counter_bits) - 1;
  const std::uint64_t overflows = c / full;
  return static_cast<std::int64_t>(overflows) * shift_add_terms(full) + shift_add_terms(c % full);
}

std::int64_t accumulation_operands(std::int64_t fan_in, std::int64_t products, int counter_bits) {
  RAPIDNN_THROW_IF_NOT(fan_in >= 1 && products >= 1, InvalidArgument,
                       "accumulation needs fan_in >= 1 and products >= 1, got {} and {}", fan_in, products);
  // F inputs spread evenly: r products are seen ceil(F/P) times, the others floor(F/P) times.
  const auto base = static_cast<std::uint64_t>(fan_in / products);
  const std::int64_t extra = fan_in % products;
  return extra * count_terms(base + 1, counter_bits) + (products - extra) * count_terms(base, counter_bits);
}

int carry_save_stages(std::int64_t m) {
  int stages = 0;
  while (m > 2) {
    m -= m / 3;  // every group of three operands becomes a sum and a carry word
    ++stages;
  }
  return stages;
}

int paper_carry_save_stages(std::int64_t products) {
  if (products <= 1) return 0;
  // Smallest s with 1.5^s >= p. 1.5^s (s >= 1) is never an integer, and it is exact in double
  // up to s = 33 (3^33 < 2^53), so the comparison with the integer p is exact where it matters.
  int s = 0;
  double x = 1.0;
  while (x < static_cast<double>(products)) {
    x *= 1.5;
    ++s;
  }
  return s;
}

int index_bits(std::int64_t n) {
  RAPIDNN_ASSERT(n >= 1);
  return n == 1 ? 0 : static_cast<int>(std::bit_width(static_cast<std::uint64_t>(n - 1)));
}

std::int64_t NeuronCycles::initiation_interval() const {
  return std::max({counting, shifting + carry_save + carry_propagate, activation + encoding + pooling + transfer});
}

RnaBlocks rna_blocks(const CodebookSizes& cb, const HardwareParams& hw) {
  const double products = static_cast<double>(cb.w * cb.u);
  const double xbar = products / hw.crossbar_ref_products;
  const double counters = products / hw.counter_ref_count;
  const double act = static_cast<double>(cb.q) / hw.activation_am_ref_rows;
  const double enc = static_cast<double>(cb.u) / hw.encoder_am_ref_rows;
  const double x = hw.table_power_exponent;
  RnaBlocks b{};
  b.crossbar_w = hw.crossbar_power_w * std::pow(xbar, x);
  b.counter_w = hw.counter_power_w * std::pow(counters, x);
  b.activation_w = hw.activation_am_power_w * std::pow(act, x);
  b.encoder_w = hw.encoder_am_power_w * std::pow(enc, x);
  b.other_w = hw.rna_other_power_w;
  b.crossbar_um2 = hw.crossbar_area_um2 * xbar;
  b.counter_um2 = hw.counter_area_um2 * counters;
  b.activation_um2 = hw.activation_am_area_um2 * act;
  b.encoder_um2 = hw.encoder_am_area_um2 * enc;
  b.other_um2 = hw.rna_other_area_um2;
  return b;
}

namespace {
std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }
}  // namespace

NeuronCycles neuron_cycles(const LayerShape& layer, const CodebookSizes& cb, const HardwareParams& hw) {
  validate(cb);
  NeuronCycles c;
  const auto n_bits = static_cast<std::int64_t>(hw.adder_bits);
  const auto stage_bits = static_cast<std::int64_t>(hw.ndcam_bits_per_stage);
  const auto am_lookup = static_cast<std::int64_t>(std::ceil(
      static_cast<double>(ceil_div(n_bits, stage_bits)) * hw.ndcam_cycles_per_stage + hw.am_read_cycles));
  const auto transfer = static_cast<std::int64_t>(std::ceil(index_bits(cb.u) * hw.transfer_cycles_per_bit));
  const int counter_bits = static_cast<int>(hw.counter_bits);

  auto accumulate = [&](std::int64_t w_eff) {
    c.counting = ceil_div(layer.fan_in, w_eff);
    c.operands = accumulation_operands(layer.fan_in, w_eff * cb.u, counter_bits);
    c.shifting = counter_bits + 1;
    const bool paper = hw.csa_stages == "paper";
    const int stages = paper ? paper_carry_save_stages(w_eff * cb.u) : carry_save_stages(c.operands);
    c.carry_save = static_cast<std::int64_t>(hw.csa_stage_cycles) * stages;
    const bool adds = paper ? w_eff * cb.u >= 2 : c.operands >= 2;
    c.carry_propagate = adds ? static_cast<std::int64_t>(hw.carry_cycles_per_bit) * n_bits : 0;
    c.activation = layer.has_activation ? am_lookup : 0;
    c.encoding = am_lookup;
    c.transfer = transfer;
  };

  switch (layer.kind) {
    case LayerKind::Dense:
    case LayerKind::Conv: accumulate(cb.w); break;
    case LayerKind::AvgPool:
    case LayerKind::Add: accumulate(1); break;
    case LayerKind::Input:
      c.encoding = am_lookup;
      c.transfer = transfer;
      break;
    case LayerKind::MaxPool: {
      // Encoded values keep the codebook order (Sec 3.1), so the max is searched on the
      // encoded inputs and the result needs no re-encoding.
      const auto search_stages = ceil_div(std::max(1, index_bits(cb.u)), stage_bits);
      c.pooling = static_cast<std::int64_t>(std::ceil(layer.fan_in * hw.cam_write_cycles_per_row +
                                                      search_stages * hw.ndcam_cycles_per_stage + hw.am_read_cycles));
      c.transfer = transfer;
      break;
    }
    case LayerKind::Concat: break;  // routing in the buffer only
  }
  return c;
}

NeuronEnergy neuron_energy(const LayerShape& layer, const NeuronCycles& cycles, const CodebookSizes& cb,
                           const HardwareParams& hw) {
  const RnaBlocks b = rna_blocks(cb, hw);
  const double t = 1.0 / hw.clock_hz;
  NeuronEnergy e;
  e.counter_j = b.counter_w * static_cast<double>(cycles.counting) * t;
  e.crossbar_j =
      b.crossbar_w * static_cast<double>(cycles.shifting + cycles.carry_save + cycles.carry_propagate) * t;
  e.activation_j = b.activation_w * static_cast<double>(cycles.activation) * t;
  e.encoding_j = b.encoder_w * static_cast<double>(cycles.encoding) * t;
  if (layer.kind == LayerKind::MaxPool) {
    e.pooling_j = b.encoder_w * static_cast<double>(cycles.pooling) * t + hw.ndcam_search_energy_j;
  }
  // The tile buffer serves rnas_per_tile RNAs writing in parallel: its power per RNA.
  e.buffer_j = hw.buffer_power_w / hw.rnas_per_tile * static_cast<double>(cycles.transfer) * t;
  e.rna_other_j = b.other_w * static_cast<double>(cycles.latency()) * t;
  return e;
}

}  // namespace rapidnn::accel
