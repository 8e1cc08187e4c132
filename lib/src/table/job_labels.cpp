#include "table/job_labels.hpp"

#include <set>

#include "jobctl/error.hpp"
#include "jobctl/job.hpp"
#include "table/slot_limits.hpp"
#include "text/display_text.hpp"

namespace jobctl {
namespace {

constexpr std::size_t kMaxLabelKey = 32;

bool is_key_character(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
}

void check_label(std::string_view label) {
    std::size_t equals = label.find('=');
    std::string shown(label.substr(0, 40));
    if (equals == std::string_view::npos)
        throw Error(ErrorCode::invalid_argument, "label '" + shown + "' is not KEY=VALUE");
    std::string_view key = label.substr(0, equals), value = label.substr(equals + 1);
    if (key.empty() || key.size() > kMaxLabelKey || !is_key_character(key[0]) || key[0] == '_' ||
        key[0] == '-' || key[0] == '.')
        throw Error(ErrorCode::invalid_argument,
                    "label key '" + std::string(key.substr(0, 40)) +
                        "': 1 to 32 letters, digits, '_', '-' or '.', starting with a letter or digit");
    for (char c : key)
        if (!is_key_character(c))
            throw Error(ErrorCode::invalid_argument, "label key '" + std::string(key.substr(0, 40)) +
                                                         "': only letters, digits, '_', '-' and '.'");
    if (!detail::is_valid_utf8(value))
        throw Error(ErrorCode::invalid_argument, "a label's value must be valid UTF-8");
    // C0 and DEL, and C1 (U+0080..U+009F, 0xC2 0x80..0x9F in UTF-8): a terminal acts on them.
    for (std::size_t i = 0; i < value.size(); ++i) {
        auto c = static_cast<unsigned char>(value[i]);
        bool c1 = c == 0xC2 && i + 1 < value.size() && static_cast<unsigned char>(value[i + 1]) <= 0x9F;
        if (c < 0x20 || c == 0x7f || c1)
            throw Error(ErrorCode::invalid_argument, "a label's value cannot hold control characters");
    }
}

}  // namespace

void check_labels(const std::vector<std::string>& labels) {
    std::set<std::string_view> keys;
    for (const std::string& label : labels) {
        check_label(label);
        std::string_view key = std::string_view(label).substr(0, label.find('='));
        if (!keys.insert(key).second)
            throw Error(ErrorCode::invalid_argument, "label key '" + std::string(key) + "' is given twice");
    }
    if (std::string joined = detail::joined_labels(labels); joined.size() >= detail::kLabelsSize)
        throw Error(ErrorCode::invalid_argument, "labels take " + std::to_string(joined.size()) +
                                                     " bytes together; the limit is " +
                                                     std::to_string(detail::kLabelsSize - 1));
}

std::optional<std::string> JobInfo::label(std::string_view key) const {
    for (const std::string& entry : labels)
        if (entry.size() > key.size() && entry.starts_with(key) && entry[key.size()] == '=')
            return entry.substr(key.size() + 1);
    return std::nullopt;
}

std::string detail::joined_labels(const std::vector<std::string>& labels) {
    std::string joined;
    for (const std::string& label : labels) {
        if (!joined.empty()) joined += '\n';
        joined += label;
    }
    return joined;
}

std::vector<std::string> detail::split_labels(std::string_view field) {
    std::vector<std::string> labels;
    while (!field.empty()) {
        std::size_t end = field.find('\n');
        if (end != 0) labels.emplace_back(field.substr(0, end));
        if (end == std::string_view::npos) break;
        field.remove_prefix(end + 1);
    }
    return labels;
}

}  // namespace jobctl
