#include <gtest/gtest.h>

#include "core/error.hpp"
#include "core/progress.hpp"
#include "core/progress_board.hpp"

TEST(Progress, FormatsRateAndEta) {
  // 250 of 1000 items in 5 s: 50/s, 750 left -> 15 s.
  EXPECT_EQ(rapidnn::Progress::format_line("kmeans", 250, 1000, 5.0),
            "[kmeans] 250/1000 (25.0%) 50/s elapsed 5.0s ETA 15.0s");
}

TEST(Progress, CountsItems) {
  rapidnn::Progress p("x", 10, false);
  p.advance(3);
  p.advance();
  EXPECT_EQ(p.done(), 4u);
}

namespace rapidnn {
namespace {

TEST(ProgressBoard, RatesEtaAndLineOfParallelTasks) {
  // A on rank 1: 1000 items of cost 1; B on rank 0: 200 items of cost 10 (work 1000 + 2000).
  ProgressBoard b("train", "images", {{"A", 1, 1000, 1.0}, {"B", 0, 200, 10.0}});
  EXPECT_EQ(b.line(0.0), "[train] 0.0% elapsed 0.0s ETA ? | A (rank 1) waiting | B (rank 0) waiting");
  b.update(0, 250, 1000, 5.0);
  EXPECT_DOUBLE_EQ(b.rate(0), 50.0);          // 250 / 5 s
  EXPECT_DOUBLE_EQ(b.task_eta_s(0), 15.0);    // 750 left at 50/s
  EXPECT_LT(b.eta_s(), 0.0);                  // rank 0 has measured nothing yet
  EXPECT_DOUBLE_EQ(b.fraction_done(), 250.0 / 3000.0);
  b.update(1, 50, 200, 10.0);
  EXPECT_DOUBLE_EQ(b.task_eta_s(1), 30.0);    // 150 left at 5/s
  EXPECT_DOUBLE_EQ(b.eta_s(), 30.0);          // the slower rank
  EXPECT_DOUBLE_EQ(b.fraction_done(), 0.25);  // (250 + 50*10) / 3000
  EXPECT_EQ(b.line(12.0),
            "[train] 25.0% elapsed 12.0s ETA 30.0s | A (rank 1) 250/1000 images 50/s ETA 15.0s"
            " | B (rank 0) 50/200 images 5/s ETA 30.0s");
  EXPECT_FALSE(b.all_finished());
  b.update(0, 1000, 1000, 20.0);
  b.update(1, 200, 200, 40.0);
  EXPECT_TRUE(b.all_finished());
  EXPECT_EQ(b.eta_s(), 0.0);
  EXPECT_EQ(b.finished_line(1), "[train] B (rank 0) done: 200 images in 40.0s (5 images/s)");
}

TEST(ProgressBoard, UnstartedTasksOfARankUseItsMeasuredWorkRate) {
  // Rank 0 does X (100 items of cost 2) then Y (total unknown until it starts, cost 4);
  // rank 1 does Z (10 items of cost 1).
  ProgressBoard b("train", "images", {{"X", 0, 100, 2.0}, {"Y", 0, 0, 4.0}, {"Z", 1, 10, 1.0}});
  EXPECT_LT(b.fraction_done(), 0.0);  // Y's size is unknown
  b.update(0, 100, 100, 20.0);        // X done: rank 0 does 100 * 2 / 20 s = 10 work/s
  b.update(2, 5, 10, 1.0);            // Z: 5/s, 1 s left
  EXPECT_LT(b.eta_s(), 0.0);          // still unknown: Y's total
  b.update(1, 0, 300, 0.0);           // Y starts: 300 items x cost 4 = 1200 work at 10/s
  EXPECT_DOUBLE_EQ(b.eta_s(), 120.0);
  EXPECT_DOUBLE_EQ(b.fraction_done(), (200.0 + 0 + 5) / (200.0 + 1200 + 10));
  EXPECT_EQ(b.line(20.0),
            "[train] 14.5% elapsed 20.0s ETA 2m00s | X (rank 0) done | Y (rank 0) 0/300 images ?/s ETA ?"
            " | Z (rank 1) 5/10 images 5/s ETA 1.0s");
  b.update(1, 150, 300, 30.0);        // Y's own rate now: 5/s, 150 left -> 30 s
  EXPECT_DOUBLE_EQ(b.eta_s(), 30.0);
}

TEST(ProgressBoard, DurationsAndRates) {
  EXPECT_EQ(format_duration(0.04), "0.0s");
  EXPECT_EQ(format_duration(59.94), "59.9s");
  EXPECT_EQ(format_duration(65.0), "1m05s");
  EXPECT_EQ(format_duration(3599.4), "59m59s");
  EXPECT_EQ(format_duration(3725.0), "1h02m");
  EXPECT_EQ(format_duration(-1.0), "?");
  EXPECT_EQ(format_count_rate(0.5), "0.5");
  EXPECT_EQ(format_count_rate(950.0), "950");
  EXPECT_EQ(format_count_rate(999.7), "1k");
  EXPECT_EQ(format_count_rate(1234.0), "1.23k");
  EXPECT_EQ(format_count_rate(45678.0), "45.7k");
  EXPECT_EQ(format_count_rate(2.5e6), "2.5M");
}

TEST(ProgressBoard, RejectsUnknownTask) {
  ProgressBoard b("x", "items", {{"only", 0, 1, 1.0}});
  EXPECT_THROW(b.update(1, 0, 1, 0.0), InvalidArgument);
}

}  // namespace
}  // namespace rapidnn
