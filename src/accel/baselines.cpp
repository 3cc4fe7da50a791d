#include "accel/baselines.hpp"

#include <algorithm>

#include "core/config.hpp"
#include "core/error.hpp"

namespace rapidnn::accel {

GpuParams load_gpu_params(ConfigNode& node) {
  GpuParams g;
  g.name = node.get_string("name", g.name);
  g.peak_flops = node.get_double("peak_flops", g.peak_flops, 1e6, 1e18);
  g.memory_bandwidth_bytes_per_s =
      node.get_double("memory_bandwidth_bytes_per_s", g.memory_bandwidth_bytes_per_s, 1e6, 1e15);
  g.board_power_w = node.get_double("board_power_w", g.board_power_w, 1e-3, 1e5);
  g.kernel_launch_s = node.get_double("kernel_launch_s", g.kernel_launch_s, 0.0, 1.0);
  g.batch_size = static_cast<double>(node.get_int("batch_size", static_cast<std::int64_t>(g.batch_size), 1, 1 << 20));
  g.bytes_per_value = node.get_double("bytes_per_value", g.bytes_per_value, 0.125, 16);
  return g;
}

GpuCost gpu_cost(const NetworkShape& net, const GpuParams& gpu) {
  validate(net);
  RAPIDNN_THROW_IF_NOT(gpu.peak_flops > 0 && gpu.memory_bandwidth_bytes_per_s > 0 && gpu.batch_size >= 1,
                       InvalidArgument, "GPU '{}': peak_flops = {}, memory_bandwidth_bytes_per_s = {}, batch_size = {}",
                       gpu.name, gpu.peak_flops, gpu.memory_bandwidth_bytes_per_s, gpu.batch_size);
  double batch_time_s = 0;
  for (const auto& l : net.layers) {
    if (l.ops() == 0) continue;  // input encoding and concatenation are no GPU kernels
    const double flops = static_cast<double>(l.ops()) * gpu.batch_size;
    const double bytes = gpu.bytes_per_value * (static_cast<double>(l.weights) +
                                                gpu.batch_size * static_cast<double>(l.input_values + l.neurons));
    batch_time_s += std::max(flops / gpu.peak_flops, bytes / gpu.memory_bandwidth_bytes_per_s) + gpu.kernel_launch_s;
  }
  GpuCost c;
  c.time_s = batch_time_s / gpu.batch_size;
  c.energy_j = gpu.board_power_w * c.time_s;
  return c;
}

std::vector<PublishedAccelerator> default_published_accelerators() {
  // Eyeriss (JSSC 2017): AlexNet CONV layers at 34.7 frame/s, 278 mW, 12.25 mm2 core;
  // 1.332 GOP per frame (666M MAC) -> 46.2 GOPS/s, 3.77 GOPS/s/mm2, 166.3 GOPS/s/W.
  const double eyeriss_gops = 34.7 * 1.332;
  const double eyeriss_ce = eyeriss_gops / 12.25;
  const double eyeriss_pe = eyeriss_gops / 0.278;
  return {
      {"DaDianNao", 63.46, 286.4, 67.73,
       "ISAAC (ISCA 2016) comparison table: DaDianNao CE 63.46 GOPS/s/mm2, PE 286.4 GOPS/s/W; chip 67.73 mm2 "
       "(MICRO 2014)"},
      {"ISAAC", 479.0, 380.7, 85.4,
       "RAPIDNN Sec 5.5 (479.0 GOPS/s/mm2, 380.7 GOPS/s/W) = ISAAC ISCA 2016; chip 85.4 mm2 (ISAAC)"},
      {"PipeLayer", 1485.1, 142.9, 85.4,
       "RAPIDNN Sec 5.5 (1,485.1 GOPS/s/mm2, 142.9 GOPS/s/W); area as ISAAC (same configuration, Sec 5.5)"},
      {"Eyeriss", eyeriss_ce, eyeriss_pe, 12.25,
       "Eyeriss JSSC 2017: AlexNet CONV 34.7 frame/s, 278 mW, 12.25 mm2 core, 1.332 GOP/frame"},
      {"SnaPEA", eyeriss_ce * 1.28, eyeriss_pe / (1.0 - 0.16), 12.25,
       "SnaPEA ISCA 2018 exact mode: 1.28x speedup, 16% energy reduction over an Eyeriss-like baseline"},
  };
}

std::vector<PublishedAccelerator> load_published_accelerators(ConfigNode& node) {
  auto accs = default_published_accelerators();
  for (auto& a : accs) {
    auto t = node.child(a.name);
    a.gops_per_s_per_mm2 = t.get_double("gops_per_s_per_mm2", a.gops_per_s_per_mm2, 1e-6, 1e9);
    a.gops_per_s_per_w = t.get_double("gops_per_s_per_w", a.gops_per_s_per_w, 1e-6, 1e9);
    a.area_mm2 = t.get_double("area_mm2", a.area_mm2, 1e-6, 1e7);
  }
  return accs;
}

BaselineCost published_cost(double ops, const PublishedAccelerator& acc, double area_mm2) {
  RAPIDNN_THROW_IF_NOT(ops >= 0 && acc.gops_per_s_per_mm2 > 0 && acc.gops_per_s_per_w > 0, InvalidArgument,
                       "{}: ops = {}, CE = {} GOPS/s/mm2, PE = {} GOPS/s/W", acc.name, ops, acc.gops_per_s_per_mm2,
                       acc.gops_per_s_per_w);
  const double area = area_mm2 > 0 ? area_mm2 : acc.area_mm2;
  BaselineCost c;
  c.time_s = ops / (acc.gops_per_s_per_mm2 * area * 1e9);
  c.energy_j = ops / (acc.gops_per_s_per_w * 1e9);
  return c;
}

}  // namespace rapidnn::accel
