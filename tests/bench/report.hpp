// The results of a run: the JSON document (tests/bench/README.md describes every field) and
// the human summary printed on stderr.
#pragma once

#include <cstdio>
#include <nlohmann/json.hpp>

#include "options.hpp"
#include "runner.hpp"

namespace lectern::bench {

/// Builds the JSON report of a finished run.
nlohmann::ordered_json make_report(const options& o, const runner& r);

/// Prints the few lines a person reads after a run, from the report.
void print_summary(std::FILE* to, const nlohmann::ordered_json& report);

}  // namespace lectern::bench
