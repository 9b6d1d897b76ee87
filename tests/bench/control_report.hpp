// Reports of the control-plane subcommands: the JSON documents (tests/bench/README.md
// describes every field) and the summaries printed on stderr.
#pragma once

#include <cstdio>
#include <nlohmann/json.hpp>

#include "control_options.hpp"
#include "http_load.hpp"
#include "ws_chat.hpp"

namespace lectern::bench {

nlohmann::ordered_json make_ws_chat_report(const ws_chat_options& o, const ws_chat_run& r);
void print_ws_chat_summary(std::FILE* to, const nlohmann::ordered_json& report);

nlohmann::ordered_json make_http_get_report(const http_get_options& o, const http_get_run& r);
void print_http_get_summary(std::FILE* to, const nlohmann::ordered_json& report);

}  // namespace lectern::bench
