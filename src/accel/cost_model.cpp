#include "accel/cost_model.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"

namespace rapidnn::accel {
namespace {

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

bool occupies_rnas(const LayerShape& l) { return l.kind != LayerKind::Concat; }

struct StageModel {
  std::int64_t neurons, wanted, latency, interval;
  std::int64_t rnas_for(std::int64_t target) const {
    if (target < latency) return -1;  // cannot meet the target at all
    const std::int64_t k = (target - latency) / interval + 1;
    return std::min(wanted, ceil_div(neurons, k));
  }
};

// Splits `available` RNAs over the stages: the smallest pipeline stage time whose allocation fits.
std::vector<std::int64_t> allocate(const std::vector<StageModel>& stages, std::int64_t available) {
  std::vector<std::int64_t> alloc(stages.size());
  std::int64_t wanted = 0;
  for (const auto& s : stages) wanted += s.wanted;
  if (wanted <= available) {
    for (std::size_t i = 0; i < stages.size(); ++i) alloc[i] = stages[i].wanted;
    return alloc;
  }
  std::int64_t lo = 0, hi = 0;
  for (const auto& s : stages) {
    lo = std::max(lo, s.latency);
    hi = std::max(hi, s.latency + (s.neurons - 1) * s.interval);
  }
  auto fits = [&](std::int64_t target) {
    std::int64_t total = 0;
    for (const auto& s : stages) {
      const std::int64_t a = s.rnas_for(target);
      if (a < 0) return false;
      total += a;
      if (total > available) return false;
    }
    return true;
  };
  RAPIDNN_ASSERT(fits(hi));
  while (lo < hi) {  // smallest target that fits
    const std::int64_t mid = lo + (hi - lo) / 2;
    if (fits(mid)) hi = mid;
    else lo = mid + 1;
  }
  for (std::size_t i = 0; i < stages.size(); ++i) alloc[i] = stages[i].rnas_for(lo);
  return alloc;
}

}  // namespace

HardwareTotals hardware_totals(const CodebookSizes& cb, const HardwareParams& hw) {
  const RnaBlocks b = rna_blocks(cb, hw);
  HardwareTotals t{};
  t.rna_area_um2 = b.area_um2();
  t.rna_power_w = b.power_w();
  t.tile_area_mm2 = (hw.rnas_per_tile * t.rna_area_um2 + hw.buffer_area_um2) * 1e-6;
  t.tile_power_w = hw.rnas_per_tile * t.rna_power_w + hw.buffer_power_w;
  t.chip_area_mm2 = hw.tiles_per_chip * t.tile_area_mm2;
  t.chip_power_w = hw.tiles_per_chip * t.tile_power_w;
  return t;
}

CostResult evaluate(const NetworkShape& net, const CodebookSizes& cb, const MappingOptions& mapping,
                    const HardwareParams& hw) {
  validate(net);
  validate(cb);
  validate(hw);
  RAPIDNN_THROW_IF_NOT(mapping.sharing >= 0.0 && mapping.sharing < 1.0, InvalidArgument,
                       "RNA sharing fraction must be in [0, 1), got {}", mapping.sharing);
  RAPIDNN_THROW_IF_NOT(mapping.chips >= 1, InvalidArgument, "chips must be >= 1, got {}", mapping.chips);

  CostResult r;
  r.network = net.name;
  r.codebooks = cb;
  r.mapping = mapping;
  r.ops = net.total_ops();
  const auto rnas_per_tile = static_cast<std::int64_t>(hw.rnas_per_tile);
  r.rnas_available = mapping.chips * static_cast<std::int64_t>(hw.tiles_per_chip) * rnas_per_tile;

  // Per-layer neuron costs and the stages that need RNAs.
  std::vector<StageModel> stages;
  std::vector<std::size_t> stage_layer;
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    const auto& l = net.layers[i];
    LayerCost lc;
    lc.name = l.name;
    lc.kind = l.kind;
    lc.neurons = l.neurons;
    lc.cycles = neuron_cycles(l, cb, hw);
    lc.energy_j = static_cast<double>(l.neurons) * neuron_energy(l, lc.cycles, cb, hw).total();
    r.layers.push_back(lc);
    if (!occupies_rnas(l)) continue;
    const auto wanted = std::max<std::int64_t>(
        1, static_cast<std::int64_t>(std::ceil(static_cast<double>(l.neurons) * (1.0 - mapping.sharing) - 1e-9)));
    stages.push_back({l.neurons, wanted, lc.cycles.latency(), std::max<std::int64_t>(1, lc.cycles.initiation_interval())});
    stage_layer.push_back(i);
  }
  RAPIDNN_THROW_IF_NOT(static_cast<std::int64_t>(stages.size()) <= r.rnas_available, InvalidArgument,
                       "network '{}' has {} layers but {} chip(s) hold only {} RNAs", net.name, stages.size(),
                       mapping.chips, r.rnas_available);

  const std::vector<std::int64_t> alloc = allocate(stages, r.rnas_available);
  std::int64_t longest_stage = 1, latency_cycles = 0;
  for (std::size_t s = 0; s < stages.size(); ++s) {
    auto& lc = r.layers[stage_layer[s]];
    lc.rnas = alloc[s];
    lc.neurons_per_rna = ceil_div(stages[s].neurons, alloc[s]);
    lc.stage_cycles = stages[s].latency + (lc.neurons_per_rna - 1) * stages[s].interval;
    longest_stage = std::max(longest_stage, lc.stage_cycles);
    latency_cycles += lc.stage_cycles;
    r.rnas_allocated += alloc[s];
  }
  r.tiles_used = ceil_div(r.rnas_allocated, rnas_per_tile);
  const auto tiles_per_chip = static_cast<std::int64_t>(hw.tiles_per_chip);
  r.chips_used = ceil_div(r.tiles_used, tiles_per_chip);

  // Placement: RNAs packed in layer order; transfers of each layer's inputs between tiles/chips.
  // `src`: where the values the next layer reads were produced (a contiguous range of RNAs).
  struct Source {
    std::int64_t start = 0, rnas = 0;
    double values = 0;
  };
  const int value_bits = index_bits(cb.u);
  std::int64_t start = 0, longest_transfer = 0, transfer_cycles = 0;
  double transfer_j = 0;
  Source src;
  for (std::size_t s = 0; s < stages.size(); ++s) {
    auto& lc = r.layers[stage_layer[s]];
    const LayerKind kind = net.layers[stage_layer[s]].kind;
    lc.first_tile = start / rnas_per_tile;
    lc.last_tile = (start + alloc[s] - 1) / rnas_per_tile;
    if (s > 0 && kind == LayerKind::MaxPool) {
      // Sec 4.2.1: max pooling reuses the encoder AM of the RNAs that produced its inputs, so
      // nothing moves and its outputs stay in the producer's tiles.
      src.values = static_cast<double>(lc.neurons);
    } else if (s > 0) {
      const double per_rna = src.values / static_cast<double>(src.rnas);
      const bool reads_all = kind == LayerKind::Dense;
      const std::int64_t src_first = src.start / rnas_per_tile, src_last = (src.start + src.rnas - 1) / rnas_per_tile;
      std::int64_t worst = 0;
      for (std::int64_t t = lc.first_tile; t <= lc.last_tile; ++t) {
        // Values tile t needs: all of them for a Dense layer; for windowed layers (conv, avg
        // pool, add) the share of its neurons, f_t = RNAs on t / RNAs of the layer (no halo).
        const std::int64_t mine_lo = std::max(start, t * rnas_per_tile);
        const std::int64_t mine_hi = std::min(start + alloc[s], (t + 1) * rnas_per_tile);
        const double share = reads_all ? 1.0 : static_cast<double>(mine_hi - mine_lo) / static_cast<double>(alloc[s]);
        double on_chip = 0, off_chip = 0;  // values arriving at tile t
        for (std::int64_t pt = src_first; pt <= src_last; ++pt) {
          if (pt == t) continue;
          const std::int64_t lo = std::max(src.start, pt * rnas_per_tile);
          const std::int64_t hi = std::min(src.start + src.rnas, (pt + 1) * rnas_per_tile);
          const double values = share * per_rna * static_cast<double>(hi - lo);
          (pt / tiles_per_chip == t / tiles_per_chip ? on_chip : off_chip) += values;
        }
        const double on_bits = on_chip * value_bits, off_bits = off_chip * value_bits;
        lc.transfer_in_on_chip_bits += on_bits;
        lc.transfer_in_off_chip_bits += off_bits;
        const auto cycles = static_cast<std::int64_t>(std::ceil(on_bits / hw.inter_tile_bits_per_cycle - 1e-9) +
                                                      std::ceil(off_bits / hw.inter_chip_bits_per_cycle - 1e-9));
        worst = std::max(worst, cycles);
      }
      lc.transfer_in_cycles = worst;
      lc.transfer_in_energy_j = lc.transfer_in_on_chip_bits * hw.inter_tile_energy_j_per_bit +
                                lc.transfer_in_off_chip_bits * hw.inter_chip_energy_j_per_bit;
      r.inter_tile_bits += lc.transfer_in_on_chip_bits;
      r.inter_chip_bits += lc.transfer_in_off_chip_bits;
      transfer_j += lc.transfer_in_energy_j;
      transfer_cycles += worst;
      longest_transfer = std::max(longest_transfer, worst);
      src = {start, alloc[s], static_cast<double>(lc.neurons)};
    } else {
      src = {start, alloc[s], static_cast<double>(lc.neurons)};
    }
    start += alloc[s];
  }
  latency_cycles += transfer_cycles;
  longest_stage = std::max(longest_stage, longest_transfer);

  // Energy and busy time by block.
  const double t = 1.0 / hw.clock_hz;
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    const auto& l = net.layers[i];
    const auto& c = r.layers[i].cycles;
    const NeuronEnergy e = neuron_energy(l, c, cb, hw);
    const double n = static_cast<double>(l.neurons);
    r.energy_by_block_j.weighted_accumulation += n * (e.counter_j + e.crossbar_j);
    r.energy_by_block_j.activation += n * e.activation_j;
    r.energy_by_block_j.encoding_pooling += n * (e.encoding_j + e.pooling_j);
    r.energy_by_block_j.other += n * (e.buffer_j + e.rna_other_j);
    r.time_by_block_s.weighted_accumulation += n * static_cast<double>(c.weighted_accumulation()) * t;
    r.time_by_block_s.activation += n * static_cast<double>(c.activation) * t;
    r.time_by_block_s.encoding_pooling += n * static_cast<double>(c.encoding + c.pooling) * t;
    r.time_by_block_s.other += n * static_cast<double>(c.transfer) * t;
  }
  r.energy_by_block_j.other += transfer_j;
  r.time_by_block_s.other += static_cast<double>(transfer_cycles) * t;
  r.energy_j = r.energy_by_block_j.total();
  r.latency_s = static_cast<double>(latency_cycles) * t;
  r.throughput_per_s = hw.clock_hz / static_cast<double>(longest_stage);
  r.edp_js = r.energy_j * r.latency_s;
  r.power_w = r.energy_j * r.throughput_per_s;

  // Area.
  const RnaBlocks b = rna_blocks(cb, hw);
  const double rnas = static_cast<double>(r.rnas_allocated);
  r.area_by_block_mm2.crossbar = rnas * b.crossbar_um2 * 1e-6;
  r.area_by_block_mm2.counter = rnas * b.counter_um2 * 1e-6;
  r.area_by_block_mm2.activation_am = rnas * b.activation_um2 * 1e-6;
  r.area_by_block_mm2.encoder_am = rnas * b.encoder_um2 * 1e-6;
  r.area_by_block_mm2.rna_other = rnas * b.other_um2 * 1e-6;
  r.area_by_block_mm2.buffer = static_cast<double>(r.tiles_used) * hw.buffer_area_um2 * 1e-6;
  r.used_area_mm2 = r.area_by_block_mm2.total();
  r.chip_area_mm2 = static_cast<double>(mapping.chips) * hardware_totals(cb, hw).chip_area_mm2;

  // Memory: tables held by every allocated RNA plus the weight-index buffers (Sec 4.1.1).
  const double n_bits = hw.adder_bits;
  const double table_bits = static_cast<double>(cb.w * cb.u) * n_bits + static_cast<double>(cb.q) * 2.0 * n_bits +
                            static_cast<double>(cb.u) * n_bits;
  double index_bits_total = 0;
  for (const auto& l : net.layers) index_bits_total += static_cast<double>(l.weights) * index_bits(l.fan_in);
  r.memory_bytes = (rnas * table_bits + index_bits_total) / 8.0;

  const double ops = static_cast<double>(r.ops);
  r.gops_per_s = ops * r.throughput_per_s * 1e-9;
  r.gops_per_s_per_mm2 = r.gops_per_s / r.used_area_mm2;
  r.gops_per_s_per_mm2_chip = r.gops_per_s / r.chip_area_mm2;
  r.gops_per_s_per_w = ops / r.energy_j * 1e-9;
  return r;
}

}  // namespace rapidnn::accel
