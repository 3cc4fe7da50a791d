#pragma once
// Network-level cost on RAPIDNN: maps layers onto RNAs of one or more chips, pipelines the
// layers (Sec 4.3) and sums energy, time and area by block.
//
// Mapping. Layer l with n_l neurons wants a_l = max(1, ceil(n_l (1 - s))) RNAs, s = sharing
// fraction (Sec 5.6: a fraction s of the neurons has no RNA of its own). When the chips hold
// R = chips * tiles * rnas_per_tile >= sum a_l RNAs, every layer gets what it wants; otherwise
// the RNAs are split to balance the pipeline: the smallest stage time T such that
// sum_l ceil(n_l / k_l(T)) <= R with k_l(T) = floor((T - L_l) / II_l) + 1 neurons per RNA.
// An RNA computing k neurons takes L + (k - 1) II cycles (L = neuron latency, II = initiation
// interval of the RNA-internal pipeline, rna_cycles.hpp).
//
// Placement (Sec 4.3). The allocated RNAs are packed in layer order into tiles of rnas_per_tile
// RNAs, tiles into chips of tiles_per_chip (chip 0 first), so layer l occupies a contiguous
// range of RNAs and the tiles (and chips) it touches. Each RNA writes its outputs to its tile's
// buffer and the next layer's RNAs read the buffer of their own tile. A tile of a Dense layer
// needs the whole output of the previous RNA-occupying layer; a tile of a windowed layer (conv,
// pooling, residual add) holding a share f_t of the layer's RNAs needs that share of it
// (neurons placed in spatial order, window halo ignored). Values produced on the tile itself
// need no transfer. Max pooling runs in the encoder AM of the RNAs that produced its inputs
// (Sec 4.2.1): nothing moves into it and its outputs count as held by the producer's tiles. A tile receives from its own chip at inter_tile_bits_per_cycle and from other
// chips at inter_chip_bits_per_cycle, ceil(log2 u) bits per encoded value; the transfer into
// layer c takes max over its tiles of ceil(on-chip bits / B_tile) + ceil(off-chip bits /
// B_chip) cycles, a pipeline stage of its own; energy = bits x energy per bit. Layers in list
// order stand in for the data flow (branches of GoogLeNet/ResNet read their list predecessor).
//
// Time. Layers form a pipeline (Sec 4.3: a layer reads the buffer while the next is written):
//   latency    = (sum_l stage_l + sum_l transfer_l) / clock
//   throughput = clock / max(max_l stage_l, max_l transfer_l)     (inferences per second)
// Energy per inference = sum_l n_l * E_neuron_l (independent of the mapping).
// Area: chip = chips * tiles * (rnas_per_tile * A_RNA + A_buffer); used = allocated RNAs and the
// buffers of the tiles they occupy (tiles packed in layer order).
// Memory: per allocated RNA its product (w*u x N bit), activation (q x 2N bit) and encoder
// (u x N bit) tables, plus the weight-index buffers (Sec 4.1.1): one ceil(log2 F)-bit input index
// per weight.
#include <cstdint>
#include <string>
#include <vector>

#include "accel/hardware_params.hpp"
#include "accel/network_shape.hpp"
#include "accel/rna_cycles.hpp"

namespace rapidnn::accel {

struct MappingOptions {
  double sharing = 0.0;  // fraction of each layer's neurons without an own RNA, [0, 1)
  std::int64_t chips = 1;
};

/// Energy (J) or time (s) split into the blocks of Figure 13.
struct BlockBreakdown {
  double weighted_accumulation = 0;  // counters + product crossbar (counting, shift, add)
  double activation = 0;             // activation AM
  double encoding_pooling = 0;       // encoder AM, pooling NDCAM
  double other = 0;                  // tile buffer transfer, other RNA circuits
  double total() const { return weighted_accumulation + activation + encoding_pooling + other; }
};

/// Area (mm2) split into the blocks of Figure 14.
struct AreaBreakdown {
  double crossbar = 0;
  double counter = 0;
  double activation_am = 0;
  double encoder_am = 0;
  double rna_other = 0;
  double buffer = 0;
  double total() const { return crossbar + counter + activation_am + encoder_am + rna_other + buffer; }
};

struct LayerCost {
  std::string name;
  LayerKind kind;
  std::int64_t neurons = 0;
  std::int64_t rnas = 0;               // RNAs allocated
  std::int64_t neurons_per_rna = 0;    // k
  NeuronCycles cycles;                 // one neuron
  std::int64_t stage_cycles = 0;       // L + (k - 1) II
  double energy_j = 0;                 // all neurons of the layer (without the transfer into it)
  std::int64_t first_tile = -1, last_tile = -1;  // global tile indices (chip = tile / tiles_per_chip)
  std::int64_t transfer_in_cycles = 0;  // moving the previous layer's outputs into this layer's tiles
  double transfer_in_on_chip_bits = 0, transfer_in_off_chip_bits = 0;
  double transfer_in_energy_j = 0;
};

struct CostResult {
  std::string network;
  CodebookSizes codebooks;
  MappingOptions mapping;
  std::int64_t ops = 0;                // per inference
  std::int64_t rnas_available = 0;
  std::int64_t rnas_allocated = 0;
  std::int64_t tiles_used = 0;
  std::int64_t chips_used = 0;
  double inter_tile_bits = 0;          // moved between tiles of one chip per inference
  double inter_chip_bits = 0;          // moved between chips per inference
  double latency_s = 0;
  double throughput_per_s = 0;         // inferences per second
  double energy_j = 0;                 // per inference
  double edp_js = 0;                   // energy x latency
  double power_w = 0;                  // energy x throughput
  double chip_area_mm2 = 0;
  double used_area_mm2 = 0;
  double memory_bytes = 0;
  double gops_per_s = 0;               // ops x throughput / 1e9
  double gops_per_s_per_mm2 = 0;       // over the used area
  double gops_per_s_per_mm2_chip = 0;  // over the whole chip area
  double gops_per_s_per_w = 0;         // ops / energy / 1e9
  BlockBreakdown energy_by_block_j;
  BlockBreakdown time_by_block_s;      // busy time of all neurons' blocks
  AreaBreakdown area_by_block_mm2;     // of the used area
  std::vector<LayerCost> layers;
};

/// Table 1 totals for the configured hardware at codebook sizes `cb`.
struct HardwareTotals {
  double rna_area_um2, rna_power_w;
  double tile_area_mm2, tile_power_w;
  double chip_area_mm2, chip_power_w;
};
HardwareTotals hardware_totals(const CodebookSizes& cb, const HardwareParams& hw);

/// Costs one inference of `net`. InvalidArgument for an invalid shape, codebook sizes, sharing
/// outside [0, 1), chips < 1, or more layers than RNAs.
CostResult evaluate(const NetworkShape& net, const CodebookSizes& cb, const MappingOptions& mapping,
                    const HardwareParams& hw);

}  // namespace rapidnn::accel
