#include "core/progress.hpp"

#include <atomic>
#include <cstdio>

#include <fmt/format.h>

namespace rapidnn {

namespace {
std::atomic<int> g_log_rank{0};
}

Progress::Progress(std::string what, std::uint64_t total, bool enabled, double min_interval_s)
    : what_(std::move(what)), total_(total), enabled_(enabled), min_interval_s_(min_interval_s),
      start_(std::chrono::steady_clock::now()), last_print_(start_) {}

std::string Progress::format_line(const std::string& what, std::uint64_t done, std::uint64_t total,
                                  double elapsed_s) {
  const double rate = elapsed_s > 0 ? static_cast<double>(done) / elapsed_s : 0.0;
  const double pct = total > 0 ? 100.0 * static_cast<double>(done) / static_cast<double>(total) : 100.0;
  std::string eta = "?";
  if (rate > 0 && total >= done) eta = fmt::format("{:.1f}s", static_cast<double>(total - done) / rate);
  return fmt::format("[{}] {}/{} ({:.1f}%) {:.3g}/s elapsed {:.1f}s ETA {}", what, done, total, pct,
                     rate, elapsed_s, eta);
}

void Progress::advance(std::uint64_t n) {
  done_ += n;
  if (!enabled_ || done_ >= total_) return;  // the last line is finish()'s
  const auto now = std::chrono::steady_clock::now();
  if (std::chrono::duration<double>(now - last_print_).count() < min_interval_s_) return;
  last_print_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  std::fprintf(stderr, "rapidnn: %s\n", format_line(what_, done_, total_, elapsed).c_str());
}

void Progress::finish() {
  if (!enabled_ || finished_) return;
  finished_ = true;
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::fprintf(stderr, "rapidnn: %s done\n", format_line(what_, done_, total_, elapsed).c_str());
}

void set_log_rank(int rank) { g_log_rank = rank; }

void log_info(const std::string& message) {
  if (g_log_rank.load() != 0) return;
  std::fprintf(stderr, "rapidnn: %s\n", message.c_str());
}

void log_error(const std::string& message) {
  std::fprintf(stderr, "rapidnn: error: %s\n", message.c_str());
}

}  // namespace rapidnn
