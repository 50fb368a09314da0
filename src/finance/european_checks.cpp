// The input rules of the European kernels, stated once for the messages: the kernels apply the
// same rules vectorised (InvalidLanes in european_kernels.cpp) and call check_option only to
// describe the first offender.
#include <cmath>

#include "fuseflow/finance/european.h"

namespace fuseflow::finance {

const char* argument_name(Model model, int argument) {
  const bool forward = model == Model::kBlack76 || model == Model::kBachelier;
  switch (argument) {
    case kSpot: return forward ? "f" : "s";
    case kStrike: return "k";
    case kTime: return "t";
    case kRate: return "r";
    case kDividend: return "q";
    case kVol: return "sigma";
  }
  return "?";
}

InvalidInput check_option(Model model, const double (&values)[kNumArguments], std::int64_t index) {
  for (int j = 0; j < kNumArguments; ++j) {
    const double v = values[j];
    const char* rule = nullptr;
    if (!std::isfinite(v)) {
      rule = "must be finite";
    } else if (j == kTime && !(v >= 0)) {
      rule = "must be >= 0";
    } else if (j == kVol && !(v > 0)) {
      rule = "must be > 0";
    } else if ((j == kSpot || j == kStrike) && model != Model::kBachelier && !(v > 0)) {
      rule = "must be > 0";
    }
    if (rule) return {index, j, rule, v};
  }
  return {};
}

}  // namespace fuseflow::finance
