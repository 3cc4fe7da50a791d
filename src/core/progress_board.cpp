#include "core/progress_board.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "core/error.hpp"

namespace rapidnn {

ProgressBoard::ProgressBoard(std::string what, std::string unit, std::vector<Task> tasks)
    : what_(std::move(what)), unit_(std::move(unit)), tasks_(std::move(tasks)), states_(tasks_.size()) {}

void ProgressBoard::update(std::size_t task, std::uint64_t done, std::uint64_t total, double elapsed_s) {
  RAPIDNN_THROW_IF_NOT(task < tasks_.size(), InvalidArgument, "progress: task {} outside [0, {})", task,
                       tasks_.size());
  tasks_[task].total = total;
  states_[task] = {true, std::min(done, total), std::max(0.0, elapsed_s)};
}

bool ProgressBoard::all_finished() const {
  for (std::size_t i = 0; i < tasks_.size(); ++i)
    if (!finished(i)) return false;
  return true;
}

double ProgressBoard::rate(std::size_t i) const {
  const State& s = states_.at(i);
  return s.done > 0 && s.elapsed_s > 0 ? static_cast<double>(s.done) / s.elapsed_s : 0.0;
}

double ProgressBoard::fraction_done() const {
  double done = 0, total = 0;
  for (std::size_t i = 0; i < tasks_.size(); ++i) {
    if (tasks_[i].total == 0 && !started(i)) return -1.0;
    done += static_cast<double>(states_[i].done) * tasks_[i].cost_per_item;
    total += static_cast<double>(tasks_[i].total) * tasks_[i].cost_per_item;
  }
  return total > 0 ? done / total : 1.0;
}

double ProgressBoard::task_eta_s(std::size_t i) const {
  if (finished(i)) return 0.0;
  const double r = rate(i);
  if (r <= 0) return -1.0;
  return static_cast<double>(tasks_[i].total - states_[i].done) / r;
}

double ProgressBoard::eta_s() const {
  struct Owner {
    double work_done = 0, seconds = 0;  // over its tasks that have a rate
    double known_s = 0;                 // time left of its started tasks
    double unstarted_work = 0;          // cost of its unstarted tasks
  };
  std::map<int, Owner> owners;
  for (std::size_t i = 0; i < tasks_.size(); ++i) {
    Owner& o = owners[tasks_[i].owner];
    const State& s = states_[i];
    if (rate(i) > 0) {  // finished tasks too: they measured the owner's work rate
      o.work_done += static_cast<double>(s.done) * tasks_[i].cost_per_item;
      o.seconds += s.elapsed_s;
    }
    if (finished(i)) continue;
    if (rate(i) > 0) {
      o.known_s += task_eta_s(i);
    } else {
      if (tasks_[i].total == 0) return -1.0;
      o.unstarted_work += static_cast<double>(tasks_[i].total - s.done) * tasks_[i].cost_per_item;
    }
  }
  double eta = 0;
  for (const auto& [rank, o] : owners) {
    double left = o.known_s;
    if (o.unstarted_work > 0) {
      if (o.work_done <= 0 || o.seconds <= 0) return -1.0;
      left += o.unstarted_work / (o.work_done / o.seconds);
    }
    eta = std::max(eta, left);
  }
  return eta;
}

std::string ProgressBoard::line(double job_elapsed_s) const {
  const double fraction = fraction_done();
  const std::string pct = fraction < 0 ? "?" : fmt::format("{:.1f}", 100.0 * fraction);
  std::string s = fmt::format("[{}] {}% elapsed {} ETA {}", what_, pct, format_duration(job_elapsed_s),
                              format_duration(eta_s()));
  for (std::size_t i = 0; i < tasks_.size(); ++i) {
    s += fmt::format(" | {} (rank {}) ", tasks_[i].name, tasks_[i].owner);
    if (finished(i)) {
      s += "done";
    } else if (!started(i)) {
      s += "waiting";
    } else {
      const double r = rate(i);
      s += fmt::format("{}/{} {} {}/s ETA {}", states_[i].done, tasks_[i].total, unit_,
                       r > 0 ? format_count_rate(r) : "?", format_duration(task_eta_s(i)));
    }
  }
  return s;
}

std::string ProgressBoard::finished_line(std::size_t i) const {
  return fmt::format("[{}] {} (rank {}) done: {} {} in {} ({} {}/s)", what_, tasks_.at(i).name,
                     tasks_[i].owner, states_[i].done, unit_, format_duration(states_[i].elapsed_s),
                     format_count_rate(rate(i)), unit_);
}

std::string format_duration(double seconds) {
  if (!(seconds >= 0) || !std::isfinite(seconds)) return "?";
  if (seconds < 60) return fmt::format("{:.1f}s", seconds);
  const auto whole = static_cast<std::uint64_t>(std::llround(seconds));
  if (whole < 3600) return fmt::format("{}m{:02d}s", whole / 60, whole % 60);
  return fmt::format("{}h{:02d}m", whole / 3600, (whole % 3600) / 60);
}

std::string format_count_rate(double per_second) {
  if (!(per_second >= 0) || !std::isfinite(per_second)) return "?";
  // Thresholds just below the next unit, so that 999.7 prints "1k", not "1e+03".
  if (per_second < 999.5) return fmt::format("{:.3g}", per_second);
  if (per_second < 999.5e3) return fmt::format("{:.3g}k", per_second / 1e3);
  return fmt::format("{:.3g}M", per_second / 1e6);
}

}  // namespace rapidnn
