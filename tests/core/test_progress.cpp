#include <gtest/gtest.h>

#include "core/progress.hpp"

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
