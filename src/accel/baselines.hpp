#pragma once
// The machines RAPIDNN is compared with (Sec 5.4-5.5), each a parameter set with its source.
//  * GPU: a per-layer roofline of the GTX 1080 from its datasheet,
//      t_layer = max(2 MACs B / peak_flops, bytes(B) / bandwidth) + kernel_launch_s,
//      bytes(B) = bytes_per_value (weights + B (inputs + outputs)), energy = board_power x time,
//    for a batch of B inferences; per-inference values divide by B.
//  * Published accelerators (ISAAC, PipeLayer, DaDianNao, Eyeriss, SnaPEA): their reported
//    computational efficiency CE (GOPS/s/mm2) and power efficiency PE (GOPS/s/W):
//      t = ops / (CE x area), E = ops / PE   (peak efficiency, full utilisation assumed).
#include <string>
#include <vector>

#include "accel/network_shape.hpp"

namespace rapidnn {
class ConfigNode;
}

namespace rapidnn::accel {

struct GpuParams {
  std::string name = "GTX 1080";
  double peak_flops = 8.873e12;            // datasheet: 2560 CUDA cores x 2 x 1733 MHz boost
  double memory_bandwidth_bytes_per_s = 320e9;  // datasheet: 10 Gbps GDDR5X, 256-bit
  double board_power_w = 180.0;            // datasheet TDP
  double kernel_launch_s = 5e-6;           // assumption: a few us per layer kernel (CUDA launch)
  double batch_size = 1;                   // assumption: one inference at a time (latency)
  double bytes_per_value = 4;              // FP32 (TensorFlow default, Sec 5.1)
};

struct GpuCost {
  double time_s = 0;    // per inference
  double energy_j = 0;  // per inference
};

GpuParams load_gpu_params(ConfigNode& node);
GpuCost gpu_cost(const NetworkShape& net, const GpuParams& gpu);

struct PublishedAccelerator {
  std::string name;
  double gops_per_s_per_mm2;
  double gops_per_s_per_w;
  double area_mm2;
  std::string source;
};

/// DaDianNao, ISAAC, PipeLayer, Eyeriss, SnaPEA with the figures of their papers.
std::vector<PublishedAccelerator> default_published_accelerators();
/// Overrides from config tables [<node>.<name>] with keys gops_per_s_per_mm2, gops_per_s_per_w,
/// area_mm2 (each with the defaults above).
std::vector<PublishedAccelerator> load_published_accelerators(ConfigNode& node);

struct BaselineCost {
  double time_s = 0;
  double energy_j = 0;
};
/// Cost of `ops` operations on `acc`, its throughput scaled to `area_mm2` (its own area when <= 0).
BaselineCost published_cost(double ops, const PublishedAccelerator& acc, double area_mm2 = 0);

}  // namespace rapidnn::accel
