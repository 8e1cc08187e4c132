#pragma once
#include "jobctl/crash_points.hpp"

namespace jobctl::detail {
void reach_crash_point(testing::CrashPoint point);
}
