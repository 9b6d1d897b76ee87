// The results of a run: the JSON document (tests/bench/README.md describes every field) and
// the human summary printed on stderr.
#pragma once

#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "options.hpp"
#include "runner.hpp"

namespace lectern::bench {

/// `v` rounded to `decimals` places for reading; null when there is no value.
nlohmann::ordered_json rounded(std::optional<double> v, int decimals = 2);

/// The tool's own CPU time and peak RSS ("bench" in every report), to tell whether it kept up.
nlohmann::ordered_json self_usage();

/// Writes `report` (indented) to `file`, or to stdout when `file` is empty; false (and a
/// message on stderr) when it could not be written.
bool write_report(const std::string& file, const nlohmann::ordered_json& report);

/// Builds the JSON report of a finished run.
nlohmann::ordered_json make_report(const options& o, const runner& r);

/// Prints the few lines a person reads after a run, from the report.
void print_summary(std::FILE* to, const nlohmann::ordered_json& report);

}  // namespace lectern::bench
