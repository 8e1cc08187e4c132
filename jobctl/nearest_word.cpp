#include "nearest_word.hpp"

#include <algorithm>

namespace jobctl::cli {
namespace {

// Edits from a to b, a swap of two neighbours counting as one ("josn").
std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
    for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
    for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i)
        for (std::size_t j = 1; j <= b.size(); ++j) {
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1])});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    return d[a.size()][b.size()];
}

}  // namespace

std::string nearest_word(std::string_view word, const std::vector<std::string>& candidates) {
    std::string best;
    if (word.size() > 64) return best;  // no typo of a verb or an option: not worth a big table
    // Two edits make "rm" of "run": a short word may be only one edit off.
    std::size_t best_distance = std::min<std::size_t>(3, (word.size() + 1) / 2);
    for (const std::string& candidate : candidates)
        if (std::size_t d = edit_distance(word, candidate); d < best_distance)
            best = candidate, best_distance = d;
    return best;
}

}  // namespace jobctl::cli
