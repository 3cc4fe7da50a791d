// bench_kmeans: 1-D k-means on 10M Laplace(0,1) values (1M with --quick), k = 16 and 64.
// Prints, all measured in this run:
//   * the read bandwidth of streaming over the same data (best of several parallel sums),
//   * our exact DP and fast (histogram + DP + Lloyd) times and WCSS,
//   * scikit-learn KMeans (n_init=1, /usr/bin/python3) on the same values: fit time, its WCSS
//     recomputed here in long double, and the ratios,
//   * the fast path's time as a multiple of 3 streaming passes at the measured bandwidth.
// Options: --quick (1M values), --no-exact, --no-sklearn, --n N, --vgg (then also every VGG-16
// weight codebook, flat and tree, timed).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <string>
#include <vector>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_reduce.h>
#include <tbb/info.h>

#include "cluster/cluster.hpp"
#include "common/stream_sum.hpp"
#include "core/rng.hpp"

namespace rc = rapidnn::cluster;

namespace {

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Process CPU time (all threads): on a shared, oversubscribed machine wall time mostly measures
// the other tenants, so every timing is printed as wall and CPU seconds.
double cpu_s() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

struct Timer {
  double w0 = now_s(), c0 = cpu_s();
  double wall() const { return now_s() - w0; }
  double cpu() const { return cpu_s() - c0; }
};

std::vector<float> laplace_values(std::size_t n, std::uint64_t seed) {
  constexpr std::size_t kBlock = 4096;  // one counter stream per block, keyed by block index
  std::vector<float> v(n);
  tbb::parallel_for(std::size_t{0}, (n + kBlock - 1) / kBlock, [&](std::size_t b) {
    rapidnn::CounterRng rng(seed, rapidnn::RngDomain::kSyntheticData, b);
    for (std::size_t i = b * kBlock; i < std::min(n, (b + 1) * kBlock); ++i) v[i] = static_cast<float>(rng.laplace(1.0));
  });
  return v;
}

// Best-of-5 parallel streaming read of the data (sum of the floats): bytes / second.
double stream_bandwidth(const std::vector<float>& v) {
  double best = 1e30;
  volatile double sink = 0;
  for (int rep = 0; rep < 5; ++rep) {
    const double t0 = now_s();
    const double s = rapidnn::bench::stream_sum(v);
    best = std::min(best, now_s() - t0);
    sink = sink + s;
  }
  return static_cast<double>(v.size() * sizeof(float)) / best;
}

// WCSS of arbitrary centroids under nearest assignment, in long double (parallel, fixed chunks).
double wcss_of(const std::vector<float>& v, std::vector<double> c) {
  std::sort(c.begin(), c.end());
  return static_cast<double>(tbb::parallel_reduce(
      tbb::blocked_range<std::size_t>(0, v.size(), 1 << 16), 0.0L,
      [&](const tbb::blocked_range<std::size_t>& r, long double acc) {
        for (std::size_t i = r.begin(); i != r.end(); ++i) {
          const long double d = static_cast<long double>(v[i]) - c[rc::nearest_index(c, v[i])];
          acc += d * d;
        }
        return acc;
      },
      [](long double a, long double b) { return a + b; }));
}

struct SklearnResult {
  bool ok = false;
  double fit_s = 0, cpu_s = 0, inertia = 0, wcss = 0;
  int n_iter = 0;
};

SklearnResult run_sklearn(const std::string& values_path, int k, const std::vector<float>& v) {
  SklearnResult r;
  const std::string out_path = values_path + ".centroids";
  const std::string cmd = std::string("/usr/bin/python3 ") + RAPIDNN_KMEANS_SKLEARN_SCRIPT + " " + values_path + " " +
                          std::to_string(k) + " " + out_path;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  char line[512] = {0};
  const bool got = std::fgets(line, sizeof line, p) != nullptr;
  const int rc_status = pclose(p);
  if (!got || rc_status != 0) return r;
  if (std::sscanf(line, "fit_s=%lf cpu_s=%lf inertia=%lf n_iter=%d", &r.fit_s, &r.cpu_s, &r.inertia, &r.n_iter) != 4) {
    return r;
  }
  std::ifstream in(out_path, std::ios::binary);
  std::vector<double> c(static_cast<std::size_t>(k));
  in.read(reinterpret_cast<char*>(c.data()), static_cast<std::streamsize>(c.size() * sizeof(double)));
  if (!in) return r;
  std::remove(out_path.c_str());
  r.wcss = wcss_of(v, c);
  r.ok = true;
  return r;
}

// Every weight codebook of VGG-16 (13 conv layers: one codebook per output channel of 3*3*Cin
// values; fc6/fc7/fc8 one codebook each): flat k = 64 (k = min(64, values) for conv1_1's 27
// weights) and a tree to 64 leaves (6 levels). Synthetic He-normal weights N(0, 2/fan_in) from
// CounterRng keyed by (layer, output channel): the real shapes, not real values.
void run_vgg16() {
  struct Layer {
    const char* name;
    std::size_t fan_in, outputs;
    bool conv;
  };
  const Layer layers[] = {{"conv1_1", 27, 64, true},      {"conv1_2", 576, 64, true},     {"conv2_1", 576, 128, true},
                          {"conv2_2", 1152, 128, true},   {"conv3_1", 1152, 256, true},   {"conv3_2", 2304, 256, true},
                          {"conv3_3", 2304, 256, true},   {"conv4_1", 2304, 512, true},   {"conv4_2", 4608, 512, true},
                          {"conv4_3", 4608, 512, true},   {"conv5_1", 4608, 512, true},   {"conv5_2", 4608, 512, true},
                          {"conv5_3", 4608, 512, true},   {"fc6", 25088, 4096, false},    {"fc7", 4096, 4096, false},
                          {"fc8", 4096, 1000, false}};
  std::printf("\n-- VGG-16 weight codebooks: flat k = 64 and tree to 64 leaves --\n");
  double flat_wall = 0, flat_cpu = 0, tree_wall = 0, tree_cpu = 0;
  std::size_t problems = 0, values_total = 0;
  for (std::size_t li = 0; li < std::size(layers); ++li) {
    const Layer& L = layers[li];
    const std::size_t n = L.fan_in * L.outputs;
    std::vector<float> w(n);
    const double sd = std::sqrt(2.0 / static_cast<double>(L.fan_in));
    tbb::parallel_for(std::size_t{0}, L.outputs, [&](std::size_t o) {
      rapidnn::CounterRng rng(16, static_cast<std::uint32_t>(rapidnn::RngDomain::kUser) + static_cast<std::uint32_t>(li), o);
      for (std::size_t i = 0; i < L.fan_in; ++i) w[o * L.fan_in + i] = static_cast<float>(rng.normal() * sd);
    });
    values_total += n;
    Timer tf;
    double wcss = 0;
    if (L.conv) {
      std::vector<std::span<const float>> spans;
      for (std::size_t o = 0; o < L.outputs; ++o) spans.emplace_back(w.data() + o * L.fan_in, L.fan_in);
      const int k = static_cast<int>(std::min<std::size_t>(64, L.fan_in));
      const auto cbs = rc::kmeans1d_optimal_batch(spans, k);
      for (const auto& cb : cbs) wcss += cb.wcss;
      const double fw = tf.wall(), fc = tf.cpu();
      Timer tt;
      const auto trees = rc::build_tree_codebook_batch(spans, 6);
      const double tw = tt.wall(), tc = tt.cpu();
      double tree_wcss = 0;
      for (const auto& t : trees) tree_wcss += t.level_wcss[5];
      std::printf("%-8s %4zu x %5zu: flat exact %7.3f s wall %7.3f s CPU, tree %7.3f s wall %7.3f s CPU; "
                  "WCSS flat %.6g tree %.6g\n", L.name, L.outputs, L.fan_in, fw, fc, tw, tc, wcss, tree_wcss);
      flat_wall += fw; flat_cpu += fc; tree_wall += tw; tree_cpu += tc;
      problems += L.outputs;
    } else {
      const auto cb = rc::kmeans1d_fast(std::span<const float>(w), 64);
      const double fw = tf.wall(), fc = tf.cpu();
      Timer tt;
      const auto tree = rc::build_tree_codebook(std::span<const float>(w), 6);
      const double tw = tt.wall(), tc = tt.cpu();
      std::printf("%-8s %zu values: flat fast %7.3f s wall %7.3f s CPU, tree %7.3f s wall %7.3f s CPU; "
                  "WCSS flat %.6g tree %.6g\n", L.name, n, fw, fc, tw, tc, cb.wcss, tree.level_wcss[5]);
      flat_wall += fw; flat_cpu += fc; tree_wall += tw; tree_cpu += tc;
      problems += 1;
    }
  }
  std::printf("VGG-16 total: %zu codebooks, %zu weights; flat %.3f s wall %.3f s CPU; tree %.3f s wall %.3f s CPU; "
              "all %.3f s wall %.3f s CPU (%d threads)\n", problems, values_total, flat_wall, flat_cpu, tree_wall,
              tree_cpu, flat_wall + tree_wall, flat_cpu + tree_cpu, tbb::info::default_concurrency());
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t n = 10'000'000;
  bool exact = true, sklearn = true, vgg = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--quick") n = 1'000'000;
    else if (a == "--no-exact") exact = false;
    else if (a == "--no-sklearn") sklearn = false;
    else if (a == "--vgg") vgg = true;
    else if (a == "--n" && i + 1 < argc) n = std::stoull(argv[++i]);
    else {
      std::fprintf(stderr, "usage: bench_kmeans [--quick] [--no-exact] [--no-sklearn] [--n N] [--vgg]\n");
      return 2;
    }
  }
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // line-buffered: progress is visible in a log file
  std::printf("bench_kmeans: n = %zu Laplace(0,1) float32 values, threads = %d\n", n,
              tbb::info::default_concurrency());
  const std::vector<float> v = laplace_values(n, 20240601);
  const double bw = stream_bandwidth(v);
  const double bytes = static_cast<double>(n * sizeof(float));
  const double floor3_s = 3 * bytes / bw;
  std::printf("stream read bandwidth over the data: %.2f GB/s; 3-pass floor = %.4f s\n", bw / 1e9, floor3_s);

  {
    // Per-pass cost of the streaming kernels the fast path is made of (best of 3 each).
    auto best_of = [](auto&& f) {
      double best = 1e30;
      for (int r = 0; r < 3; ++r) {
        const double t0 = now_s();
        f();
        best = std::min(best, now_s() - t0);
      }
      return best;
    };
    const std::span<const float> sv(v);
    const auto range = rc::value_range(sv);
    const double t_range = best_of([&] { (void)rc::value_range(sv); });
    const double t_hist = best_of([&] {
      auto h = rc::make_histogram(range.min, range.max, 1 << 16, rc::BinExtrema::kSkip);
      rc::accumulate_histogram(sv, h);
    });
    const auto scale = rc::FixedPointScale::from_range(range.min, range.max);
    std::vector<double> c64(64);
    for (int i = 0; i < 64; ++i) c64[i] = range.min + (range.max - range.min) * (i + 0.5) / 64;
    const double t_stats = best_of([&] { (void)rc::cluster_stats(sv, c64, scale); });
    std::printf("passes over the data: min/max %.4f s (%.1f GB/s), histogram %.4f s, k=64 stats %.4f s\n", t_range,
                bytes / t_range / 1e9, t_hist, t_stats);
  }

  std::string values_path;
  if (sklearn) {
    const char* tmp = std::getenv("TMPDIR");
    values_path = std::string(tmp != nullptr ? tmp : "/tmp") + "/bench_kmeans_values_" + std::to_string(n) + ".f32";
    std::ofstream out(values_path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(v.data()), static_cast<std::streamsize>(bytes));
  }

  for (const int k : {16, 64}) {
    std::printf("\n-- k = %d --\n", k);
    double exact_wcss = NAN;
    if (exact) {
      const Timer t;
      const auto cb = rc::kmeans1d_optimal(std::span<const float>(v), k);
      exact_wcss = cb.wcss;
      std::printf("exact DP      : %9.4f s wall %9.4f s CPU  WCSS %.9g\n", t.wall(), t.cpu(), cb.wcss);
    }
    const Timer t;
    const auto fast = rc::kmeans1d_fast(std::span<const float>(v), k);
    const double fast_s = t.wall(), fast_cpu = t.cpu();
    std::printf("fast          : %9.4f s wall %9.4f s CPU  WCSS %.9g  (raw Lloyd steps %d)", fast_s, fast_cpu,
                fast.wcss, fast.iterations);
    if (exact) std::printf("  WCSS/exact - 1 = %.3e", fast.wcss / exact_wcss - 1);
    std::printf("\nfast vs 3-pass bandwidth floor: %.2fx (wall); %.2fx (CPU seconds / threads)\n", fast_s / floor3_s,
                fast_cpu / tbb::info::default_concurrency() / floor3_s);
    {
      // The 3-raw-pass configuration (min/max, histogram, one assignment pass): what the floor
      // counts. Same pipeline, no raw Lloyd steps.
      rc::FastKMeansParams three;
      three.max_refine_passes = 1;
      const Timer t3;
      const auto f3 = rc::kmeans1d_fast(std::span<const float>(v), k, three);
      const double w3 = t3.wall(), c3 = t3.cpu();
      std::printf("fast, 3 raw passes (max_refine_passes = 1): %.4f s wall %.4f s CPU = %.2fx floor (wall), %.2fx "
                  "(CPU / threads); WCSS %.9g", w3, c3, w3 / floor3_s, c3 / tbb::info::default_concurrency() / floor3_s,
                  f3.wcss);
      if (exact) std::printf("  WCSS/exact - 1 = %.3e", f3.wcss / exact_wcss - 1);
      std::printf("\n");
    }
    if (sklearn) {
      const auto sk = run_sklearn(values_path, k, v);
      if (!sk.ok) {
        std::printf("sklearn       : FAILED to run (%s)\n", RAPIDNN_KMEANS_SKLEARN_SCRIPT);
      } else {
        std::printf("sklearn KMeans: %9.4f s wall %9.4f s CPU  WCSS %.9g (its float32 inertia %.9g, %d iterations)\n",
                    sk.fit_s, sk.cpu_s, sk.wcss, sk.inertia, sk.n_iter);
        std::printf("speedup fast vs sklearn: %.1fx wall, %.1fx CPU; WCSS fast/sklearn = %.6f%s\n", sk.fit_s / fast_s,
                    sk.cpu_s / fast_cpu, fast.wcss / sk.wcss, fast.wcss <= sk.wcss ? " (equal or lower)" : " (HIGHER)");
        if (exact) std::printf("WCSS sklearn/exact - 1 = %.3e\n", sk.wcss / exact_wcss - 1);
      }
    }
  }
  if (sklearn) std::remove(values_path.c_str());
  if (vgg) run_vgg16();
  return 0;
}
