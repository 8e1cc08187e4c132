#include "schedule/cron_trigger.hpp"

#include <array>
#include <bitset>
#include <ctime>
#include <sstream>
#include <vector>

#include "jobctl/duration_text.hpp"
#include "jobctl/error.hpp"

namespace jobctl::cli {
namespace {

struct Field {
    const char* name;
    int low, high;
    std::vector<std::string_view> names;  // names[i] is low + i
};

const std::array<Field, 5> kFields{{
    {"minute", 0, 59, {}},
    {"hour", 0, 23, {}},
    {"day of month", 1, 31, {}},
    {"month", 1, 12, {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}},
    {"day of week", 0, 7, {"sun", "mon", "tue", "wed", "thu", "fri", "sat"}},
}};

using Values = std::bitset<60>;

Error bad_field(const Field& field, std::string_view text, const std::string& why) {
    return Error(ErrorCode::invalid_argument,
                 "bad cron " + std::string(field.name) + " '" + std::string(text) + "': " + why);
}

int parse_value(const Field& field, std::string_view text, std::string_view whole) {
    for (std::size_t i = 0; i < field.names.size(); ++i)
        if (text.size() == 3 &&
            std::equal(text.begin(), text.end(), field.names[i].begin(),
                       [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; }))
            return field.low + static_cast<int>(i);
    if (text.empty() || text.size() > 2 || text.find_first_not_of("0123456789") != std::string_view::npos)
        throw bad_field(field, whole, "'" + std::string(text) + "' is no number");
    int value = std::stoi(std::string(text));
    if (value < field.low || value > field.high)
        throw bad_field(field, whole,
                        std::to_string(value) + " is outside " + std::to_string(field.low) + "-" +
                            std::to_string(field.high));
    return value;
}

// One field: a comma-separated list of *, N, N-M, each optionally /STEP.
Values parse_field(const Field& field, std::string_view text) {
    Values values;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t comma = text.find(',', start);
        std::string_view item =
            text.substr(start, comma == std::string_view::npos ? text.npos : comma - start);
        if (item.empty()) throw bad_field(field, text, "empty list item");
        int step = 1;
        if (auto slash = item.find('/'); slash != std::string_view::npos) {
            std::string_view digits = item.substr(slash + 1);
            if (digits.empty() || digits.size() > 2 ||
                digits.find_first_not_of("0123456789") != digits.npos || std::stoi(std::string(digits)) == 0)
                throw bad_field(field, text, "bad step '" + std::string(digits) + "'");
            step = std::stoi(std::string(digits));
            item = item.substr(0, slash);
        }
        int low = field.low, high = field.high;
        if (item != "*") {
            auto dash = item.find('-');
            low = parse_value(field, item.substr(0, dash), text);
            high = dash == std::string_view::npos ? (step > 1 ? field.high : low)
                                                  : parse_value(field, item.substr(dash + 1), text);
            if (high < low) throw bad_field(field, text, "the range runs backwards");
        }
        for (int value = low; value <= high; value += step) values.set(static_cast<std::size_t>(value));
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    return values;
}

std::vector<std::string> split_fields(std::string_view text) {
    std::vector<std::string> fields;
    std::istringstream in{std::string(text)};
    for (std::string field; in >> field;) fields.push_back(field);
    return fields;
}

std::string expand_special(std::string_view text) {
    static const std::pair<std::string_view, std::string_view> kSpecial[] = {
        {"@hourly", "0 * * * *"},  {"@daily", "0 0 * * *"},   {"@midnight", "0 0 * * *"},
        {"@weekly", "0 0 * * 0"},  {"@monthly", "0 0 1 * *"}, {"@yearly", "0 0 1 1 *"},
        {"@annually", "0 0 1 1 *"}};
    for (auto [special, expression] : kSpecial)
        if (text == special) return std::string(expression);
    return std::string(text);
}

struct Schedule {
    std::array<Values, 5> fields;
    bool any_day_of_month, any_day_of_week;
};

Schedule parse_schedule(std::string_view text) {
    std::vector<std::string> words = split_fields(expand_special(text));
    if (words.size() == 1 && words[0].starts_with('@'))
        throw Error(ErrorCode::invalid_argument, "unknown cron shorthand '" + words[0] +
                                                     "' (@hourly, @daily, @weekly, @monthly or @yearly)");
    if (words.size() != 5)
        throw Error(ErrorCode::invalid_argument,
                    "a cron trigger has 5 fields (minute hour day-of-month month day-of-week), not " +
                        std::to_string(words.size()) + ": '" + std::string(text) + "'");
    Schedule schedule{};
    for (std::size_t i = 0; i < 5; ++i) schedule.fields[i] = parse_field(kFields[i], words[i]);
    if (schedule.fields[4].test(7)) schedule.fields[4].set(0);  // 7 is Sunday too
    schedule.any_day_of_month = words[2].starts_with('*');
    schedule.any_day_of_week = words[4].starts_with('*');
    return schedule;
}

// cron's rule: with both day fields restricted, either one matching will do.
bool day_matches(const Schedule& schedule, const std::tm& day) {
    bool month_day = schedule.fields[2].test(static_cast<std::size_t>(day.tm_mday));
    bool week_day = schedule.fields[4].test(static_cast<std::size_t>(day.tm_wday));
    if (schedule.any_day_of_month || schedule.any_day_of_week) return month_day && week_day;
    return month_day || week_day;
}

}  // namespace

std::string checked_cron_expression(std::string_view text) {
    parse_schedule(text);
    std::string joined;
    for (const std::string& word : split_fields(expand_special(text)))
        joined += (joined.empty() ? "" : " ") + word;
    return joined;
}

std::string cron_for_interval(std::chrono::milliseconds interval) {
    using std::chrono::minutes;
    auto hint = [&](const std::string& why) {
        return Error(ErrorCode::invalid_argument, "cron cannot run something every " +
                                                      format_duration(interval) + ": " + why +
                                                      "; use --cron for anything else");
    };
    if (interval < minutes(1) || interval % minutes(1) != std::chrono::milliseconds(0))
        throw hint("it counts whole minutes, from 1m");
    long count = std::chrono::duration_cast<minutes>(interval).count();
    if (count < 60) {
        if (60 % count != 0)
            throw hint("the minutes must divide an hour (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30m)");
        return count == 1 ? "* * * * *" : "*/" + std::to_string(count) + " * * * *";
    }
    if (count % 60 != 0) throw hint("past an hour, it counts whole hours");
    long hours = count / 60;
    if (hours < 24) {
        if (24 % hours != 0) throw hint("the hours must divide a day (1, 2, 3, 4, 6, 8, 12h)");
        return hours == 1 ? "0 * * * *" : "0 */" + std::to_string(hours) + " * * *";
    }
    if (hours == 24) return "0 0 * * *";
    if (hours == 24 * 7) return "0 0 * * 0";
    throw hint("past a day, only 1d and 7d are regular");
}

std::string cron_for_time(Clock::time_point at) {
    std::time_t seconds = Clock::to_time_t(at);
    std::tm local{};
    ::localtime_r(&seconds, &local);
    return std::to_string(local.tm_min) + " " + std::to_string(local.tm_hour) + " " +
           std::to_string(local.tm_mday) + " " + std::to_string(local.tm_mon + 1) + " *";
}

std::optional<Clock::time_point> next_cron_time(const std::string& expression, Clock::time_point after) {
    Schedule schedule = parse_schedule(expression);
    std::time_t seconds = Clock::to_time_t(after) + 60;
    std::tm at{};
    ::localtime_r(&seconds, &at);
    at.tm_sec = 0;
    at.tm_isdst = -1;
    std::time_t limit = seconds + 5L * 366 * 24 * 3600;
    for (std::time_t now = std::mktime(&at); now != -1 && now < limit; now = std::mktime(&at)) {
        ::localtime_r(&now, &at);
        if (!schedule.fields[3].test(static_cast<std::size_t>(at.tm_mon + 1)) || !day_matches(schedule, at)) {
            at.tm_mday += 1;  // the next day, from its first minute
            at.tm_hour = at.tm_min = 0;
        } else if (!schedule.fields[1].test(static_cast<std::size_t>(at.tm_hour))) {
            at.tm_hour += 1;
            at.tm_min = 0;
        } else if (!schedule.fields[0].test(static_cast<std::size_t>(at.tm_min))) {
            at.tm_min += 1;
        } else {
            return Clock::from_time_t(now);
        }
        at.tm_isdst = -1;
    }
    return std::nullopt;
}

}  // namespace jobctl::cli
